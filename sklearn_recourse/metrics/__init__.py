"""Metrics and scorers of recourse quality and fairness.

Cost, validity, LOF plausibility and their combined Score (GenRe, Table 2),
recourse rate (Ross et al. 2021), Gower distance, Equal Effectiveness and
Equal Choice of Recourse (fair recourse), and :func:`make_recourse_scorer`
to select recourse generators with ``GridSearchCV``.
"""

from ._fairness import (
    EqualChoiceResult,
    EqualEffectivenessResult,
    equal_choice_of_recourse,
    equal_effectiveness,
)
from ._recourse import (
    gower_distance,
    lof_plausibility,
    recourse_cost,
    recourse_rate,
    recourse_score,
    validity,
)
from ._scorers import make_recourse_scorer

__all__ = [
    "EqualChoiceResult",
    "EqualEffectivenessResult",
    "equal_choice_of_recourse",
    "equal_effectiveness",
    "gower_distance",
    "lof_plausibility",
    "make_recourse_scorer",
    "recourse_cost",
    "recourse_rate",
    "recourse_score",
    "validity",
]
