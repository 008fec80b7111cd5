"""Carbon accounting for steel and aluminium installations.

One input, :class:`~greenmet.carbon.activity.ActivityData`; one output,
:class:`~greenmet.carbon.results.CarbonResult`; one function per method, registered in
:data:`METHODS` and reachable through :func:`compute`::

    from greenmet.carbon import ActivityData, compute
    result = compute(activity, "cn-steel", edition="gbt-32151.5-2015")

Methods (each documented with its equations and sources in its module):

- ``cn-steel`` — :func:`~greenmet.carbon.cn_steel.compute_cn_steel` (GB/T 32151.5-2015);
- ``cn-aluminium`` — :func:`~greenmet.carbon.cn_aluminium.compute_cn_aluminium`
  (CETS-AG-04.01-V01-2024);
- ``iso14404`` — :func:`~greenmet.carbon.iso14404.compute_iso14404` (ISO 14404-1/-2, worldsteel v5.1);
- ``cbam`` — :func:`~greenmet.carbon.cbam.compute_cbam` (IR 2025/2547, defaults IR 2025/2621);
- ``lci`` — :func:`~greenmet.carbon.lci.compute_lci` (worldsteel LCI methodology / ISO 20915:2018);

Other methods register themselves with :func:`register_method` (one line per method at the end
of this module). Allowances under the national ETS: :mod:`greenmet.carbon.allowances`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenmet.carbon.activity import (
    ActivityData,
    ActivityFrames,
    AluminiumSmelting,
    EnergyFlow,
    Installation,
    MaterialFlow,
    Period,
    Production,
    activity_frames,
    normalise,
)
from greenmet.carbon.cbam import compute_cbam
from greenmet.carbon.cn_aluminium import compute_cn_aluminium
from greenmet.carbon.cn_steel import compute_cn_steel
from greenmet.carbon.iso14404 import compute_iso14404
from greenmet.carbon.lci import compute_lci
from greenmet.carbon.results import CarbonBalance, CarbonResult
from greenmet.errors import UnknownKeyError

__all__ = [
    "METHODS",
    "ActivityData",
    "ActivityFrames",
    "AluminiumSmelting",
    "CarbonBalance",
    "CarbonResult",
    "EnergyFlow",
    "Installation",
    "MaterialFlow",
    "Period",
    "Production",
    "activity_frames",
    "compute",
    "normalise",
    "register_method",
]

Method = Callable[..., CarbonResult]

METHODS: dict[str, Method] = {
    "cn-steel": compute_cn_steel,
    "cn-aluminium": compute_cn_aluminium,
    "iso14404": compute_iso14404,
    "cbam": compute_cbam,
    "lci": compute_lci,
}
"""Every method by name: a function ``(activity, **options) -> CarbonResult``."""


def register_method(name: str, function: Method) -> None:
    """Add a method to :data:`METHODS` (used by the method modules of this package)."""
    METHODS[name] = function


def compute(activity: ActivityData, method: str, **options: Any) -> CarbonResult:
    """Run ``method`` on ``activity`` with the method's keyword ``options``.

    Parameters
    ----------
    activity
        Validated activity data of one installation.
    method
        A key of :data:`METHODS` (``"cn-steel"``, ``"cn-aluminium"`` …).
    options
        Keyword options of the method (``edition=``, ``gwp_metric=`` …).

    Raises
    ------
    UnknownKeyError
        If no method has that name.
    """
    function = METHODS.get(method)
    if function is None:
        raise UnknownKeyError("no carbon method of that name", field="method", value=method,
                              fix=f"use one of {', '.join(sorted(METHODS))}")
    return function(activity, **options)
