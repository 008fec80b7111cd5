"""One convention for shares (fractions) in the carbon inputs.

Every share of the activity data and the method sections — current and collection efficiency,
scrap fractions, oxidation factors, carbon, sulphur and ash contents, recovery rates, covered
shares — is a number in [0, 1] (0.94), or a string with an explicit percent sign (``"94 %"``,
``"94%"``, ``"94 percent"``). A bare number above 1 is ambiguous (94 may be a percent or a
mistake) and is refused with the fix, never divided by 100 silently: a current efficiency
read as 94 instead of 0.94 changes the PFC by a factor of 100 (IPCC 2006 Vol. 3 Eq. 4.27).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from greenmet.errors import CompositionError, InputError, SuspectUnitError

__all__ = ["OptionalShare", "Share", "parse_share"]

_PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%|percent|pct)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def parse_share(value: Any, field: str) -> float | None:
    """A share in [0, 1] from a number in [0, 1] or a string with a percent sign.

    Parameters
    ----------
    value
        ``0.94``, ``"0.94"``, ``"94 %"``, ``"94%"``, ``"94 percent"``, or None.
    field
        Name of the field, for the error.

    Returns
    -------
    float or None
        The share as a fraction [dimensionless]; None passes through.

    Raises
    ------
    SuspectUnitError
        A bare number in (1, 100]: probably a percent written without its sign.
    CompositionError
        A share below 0 or above 100 %, or not a finite number.
    InputError
        A string that is neither a number nor a percentage.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError("a share is a number, not true/false", field=field, value=value,
                         fix='give a fraction such as 0.94 or a percentage such as "94 %"')
    percent = False
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            number, percent = float(match.group(1)), True
        elif _NUMBER.match(value):
            number = float(value)
        else:
            raise InputError("share is neither a number nor a percentage", field=field, value=value,
                             fix='give a fraction such as 0.94 or a percentage such as "94 %"')
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise InputError("share is neither a number nor a percentage", field=field, value=value,
                         fix='give a fraction such as 0.94 or a percentage such as "94 %"')
    if not math.isfinite(number):
        raise CompositionError("share is not a finite number", field=field, value=value,
                               fix='give a fraction such as 0.94 or a percentage such as "94 %"')
    fraction = number / 100.0 if percent else number
    if not percent and 1.0 < number <= 100.0:
        raise SuspectUnitError(
            f"share {number:g} is above 1: shares are fractions (1 = 100 %)",
            field=field, value=value,
            fix=f"if {number:g} is a percentage, give {number / 100:g} or write the percent sign: "
                f'"{number:g} %"')
    if not 0.0 <= fraction <= 1.0:
        raise CompositionError("share outside 0-100 %", field=field, value=value,
                               fix='give a fraction in [0, 1] such as 0.94, or a percentage such as "94 %"')
    return fraction


def _share(value: Any, info: ValidationInfo) -> Any:
    return parse_share(value, info.field_name or "share")


_SHARE_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "string", "pattern": r"^\s*[0-9.]+\s*(%|percent|pct)\s*$"},
    ],
    "description": 'a fraction in [0, 1] (0.94) or a percentage with its sign ("94 %")',
}

Share = Annotated[float, BeforeValidator(_share), WithJsonSchema(_SHARE_SCHEMA)]
"""A share in [0, 1]; accepts ``"94 %"`` and refuses a bare 94 (see :func:`parse_share`)."""

OptionalShare = Annotated[
    float | None,
    BeforeValidator(_share),
    WithJsonSchema({"anyOf": [*_SHARE_SCHEMA["anyOf"], {"type": "null"}],
                    "description": _SHARE_SCHEMA["description"]}),
]
"""A :data:`Share` or None (use the default)."""
