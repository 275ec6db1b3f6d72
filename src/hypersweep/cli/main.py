"""The ``hypersweep`` command: run a YAML config, then list, show, export or delete studies.

Only argparse is imported up front, so ``hypersweep --help`` stays fast; the
study machinery, YAML and rich come in when a command needs them. Mistakes a
user can make (a wrong name, URL or config) end with one line on stderr and
exit code 2, never a traceback (``hypersweep --debug ...`` shows it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .parser import build_parser
from .shared import CommandError

__all__ = ["CommandError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 nothing to report, 2 user error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse reported
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from ..exceptions import HypersweepError  # light, but only a command needs it

    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        hint = "; every finished trial is stored, rerun the same command to resume"
        print(f"hypersweep: interrupted{hint if args.command == 'run' else ''}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hypersweep export study | head`
        silence_stdout()
        return 0
    except (CommandError, HypersweepError, ValueError, OSError) as exc:
        if args.debug or os.environ.get("HYPERSWEEP_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"hypersweep: error: {message}", file=sys.stderr)
        return 2


def silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so interpreter shutdown stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
