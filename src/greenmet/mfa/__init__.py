"""Material-flow analysis: dynamic stock models and the outlook projection (pure domain code).

``greenmet.mfa`` takes numbers, arrays and validated models and never opens files; reading
scenario files, presets and the Monte Carlo driver live in ``greenmet.outlook`` above it.
"""

from greenmet.mfa.lifetimes import (
    INFLOW_TIMINGS,
    LIFETIME_KINDS,
    Lifetime,
    age_offset,
    survival_by_age,
    survival_matrix,
)
from greenmet.mfa.stocks import (
    SHRINKING_RULES,
    StockModelResult,
    check_mass_balance,
    inflow_driven,
    inflow_driven_by_age,
    inflow_from_stock_by_cohort,
    stock_driven,
    stock_driven_by_age,
)

__all__ = [
    "INFLOW_TIMINGS",
    "LIFETIME_KINDS",
    "SHRINKING_RULES",
    "Lifetime",
    "StockModelResult",
    "age_offset",
    "check_mass_balance",
    "inflow_driven",
    "inflow_driven_by_age",
    "inflow_from_stock_by_cohort",
    "stock_driven",
    "stock_driven_by_age",
    "survival_by_age",
    "survival_matrix",
]
