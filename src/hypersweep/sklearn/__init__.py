"""scikit-learn integration: :class:`SearchCV`, a search estimator driven by a study, and
the drop-ins :class:`GridSearchCV`, :class:`RandomizedSearchCV`,
:class:`HalvingGridSearchCV` and :class:`HalvingRandomSearchCV` (scikit-learn's
constructors and attributes, on a study).

Import it explicitly (``from hypersweep.sklearn import SearchCV``): ``import hypersweep``
never loads scikit-learn. :class:`CannotWin`, the exact fold-level pruner, is
``hs.pruners.CannotWin``, re-exported here.

The package is split by job: ``search`` holds the estimator, ``drop_in`` the two
drop-ins, ``halving`` the successive-halving ones (``_successive`` their machinery,
``_halving`` its arithmetic), ``_space`` (with ``_distributions`` for scipy.stats)
turns their arguments into the study's, ``_folds`` runs a candidate fold by fold,
``_results`` keeps per-split results on the trials and rebuilds ``cv_results_`` from
them.

>>> from sklearn.datasets import load_iris
>>> from sklearn.svm import SVC
>>> import hypersweep as hs
>>> X, y = load_iris(return_X_y=True)
>>> search = SearchCV(SVC(), {"C": hs.Float(0.01, 100, log=True)}, n_trials=5, cv=3,
...                   random_state=0, sampler="random").fit(X, y)
>>> sorted(search.best_params_)
['C']
"""

from ..pruners.cannot_win import CannotWin
from .drop_in import GridSearchCV, RandomizedSearchCV
from .halving import HalvingGridSearchCV, HalvingRandomSearchCV
from .search import SearchCV

__all__ = [
    "CannotWin",
    "GridSearchCV",
    "HalvingGridSearchCV",
    "HalvingRandomSearchCV",
    "RandomizedSearchCV",
    "SearchCV",
]
