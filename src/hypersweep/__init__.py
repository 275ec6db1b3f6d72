"""hypersweep"""
