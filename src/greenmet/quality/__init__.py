"""Data quality of plant time series: flags named by what True means.

Each check takes one tag's values (a pandas Series with a time index, a numpy array or a list)
and returns a boolean Series on the same index whose True marks the suspect points, named by
what True means (``is_stuck``, ``is_spike`` …; the polarity lesson of pvanalytics, whose
``quality`` functions also return boolean series). Flagged values are never removed or changed:
the caller decides what to do with them. :func:`quality_summary` counts the flags per tag and per
period; :func:`quality_code` turns flags into the OPC UA severity code the historian stores.
"""

from greenmet.quality.flags import (
    QUALITY_BAD,
    QUALITY_GOOD,
    QUALITY_UNCERTAIN,
    is_drift,
    is_dropout,
    is_out_of_range,
    is_spike,
    is_stuck,
    longest_gap,
    quality_code,
    quality_flags,
)
from greenmet.quality.summary import quality_summary

__all__ = [
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "is_drift",
    "is_dropout",
    "is_out_of_range",
    "is_spike",
    "is_stuck",
    "longest_gap",
    "quality_code",
    "quality_flags",
    "quality_summary",
]
