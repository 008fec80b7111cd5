"""Detectors of process faults and equipment faults (see :mod:`greenmet.monitoring.detectors.base`)."""

from greenmet.monitoring.detectors.base import Detector, DetectorSet, Episodes, Transition, check_frame

__all__ = ["Detector", "DetectorSet", "Episodes", "Transition", "check_frame"]
