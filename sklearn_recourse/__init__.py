"""Algorithmic recourse as scikit-learn estimators."""

from ._base import default_classifier
from ._fair_sac import FairSACRecourse
from ._feature_space import FeatureSpace
from ._genre import GenReRecourse
from ._nearest_neighbor import NearestNeighborRecourse
from ._pac import min_calibration_size, pac_threshold
from ._recourse_classifier import RecourseClassifier
from ._wachter import WachterRecourse

__version__ = "0.1.0.dev0"



def __getattr__(name):
    # submodules on first use, so that importing the package stays light
    if name in ("datasets", "metrics"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FairSACRecourse",
    "FeatureSpace",
    "GenReRecourse",
    "NearestNeighborRecourse",
    "RecourseClassifier",
    "WachterRecourse",
    "default_classifier",
    "min_calibration_size",
    "pac_threshold",
    "__version__",
]
