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
from greenmet.carbon.options import OPTION_MODELS, ResolvedOptions, display_rank, resolve_options
from greenmet.carbon.plausibility import specific_use_warnings
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


def compute(
    activity: ActivityData, method: str, *, resolved: ResolvedOptions | None = None, **options: Any
) -> CarbonResult:
    """Run ``method`` on ``activity`` with the method's options.

    The options in force are, from lowest to highest priority: the method's defaults, the
    ``[options]`` section of the activity data, and ``options`` (or ``resolved``, as the command
    line builds it). The result's ``options`` holds every option in force and
    ``options_source`` where each came from (``default``, ``file``, ``argument``, ``flag``).

    Parameters
    ----------
    activity
        Validated activity data of one installation.
    method
        A key of :data:`METHODS` (``"cn-steel"``, ``"cn-aluminium"`` …).
    resolved
        Options already merged by :func:`greenmet.carbon.options.resolve_options`.
    options
        Keyword options of the method (``edition=``, ``gwp_metric=`` …), see
        :mod:`greenmet.carbon.options`.

    Raises
    ------
    UnknownKeyError
        If no method has that name, or an option does not apply to it.
    """
    function = METHODS.get(method)
    if function is None:
        raise UnknownKeyError("no carbon method of that name", field="method", value=method,
                              fix=f"use one of {', '.join(sorted(METHODS))}")
    if method not in OPTION_MODELS:  # a registered method without a declared option model
        result = function(activity, **options)
    else:
        if resolved is None:
            resolved = resolve_options(method, activity.options, options, given_as="argument")
        result = function(activity, **resolved.keywords())
        merged = {**resolved.keywords(), **result.options}
        result.options = {key: merged[key] for key in sorted(merged, key=display_rank)}
        result.options_source = {key: resolved.sources.get(key, "method") for key in result.options}
        result.warnings = resolved.warnings() + list(result.warnings)
    # Specific uses below the physical minimum or outside the typical range of real plants
    # (greenmet.carbon.plausibility); uses above the possible range were refused on validation.
    result.warnings.extend(specific_use_warnings(activity))
    return result
