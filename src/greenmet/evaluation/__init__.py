"""Green evaluation of steel and non-ferrous enterprises against China's standards and the labels.

Domain code (no files, sockets or databases): the energy limits of the mandatory standards with
their corrections and the NDRC benchmark layer (:mod:`~greenmet.evaluation.standards`), stack
emissions from raw CEMS hours (:mod:`~greenmet.evaluation.cems`), low-carbon labels
(:mod:`~greenmet.evaluation.labels`), and the evaluation of one enterprise with verdicts, gaps and
measures (:mod:`~greenmet.evaluation.evaluate`). It uses :mod:`greenmet.carbon`'s activity data for
the scrap share and the process energies. The user guide is ``docs/user_guide/evaluation.md``.
"""

from __future__ import annotations

from greenmet.evaluation.cems import compliance_counts, monthly_compliance, normalise_oxygen
from greenmet.evaluation.enterprise import Enterprise
from greenmet.evaluation.evaluate import EvaluationResult, evaluate
from greenmet.evaluation.labels import grade_labels, label_thresholds
from greenmet.evaluation.standards import energy_levels, gb_verdicts, policy_levels, policy_verdicts

__all__ = [
    "Enterprise",
    "EvaluationResult",
    "compliance_counts",
    "energy_levels",
    "evaluate",
    "gb_verdicts",
    "grade_labels",
    "label_thresholds",
    "monthly_compliance",
    "normalise_oxygen",
    "policy_levels",
    "policy_verdicts",
]
