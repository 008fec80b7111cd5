"""Blast-furnace monitoring: the pure logic of early warning, health check, traceability and reports.

A domain package above ``greenmet.blast_furnace`` and ``greenmet.quality``: it takes wide
pandas frames and numbers and never opens a file, a database or a socket (the engines in
``greenmet.engines`` feed it from the live feed or the historian and store what it says).

- :mod:`greenmet.monitoring.alerts`: :class:`AlertEvent`, one event of an alert.
- :mod:`greenmet.monitoring.detectors`: the :class:`Detector` protocol, :class:`DetectorSet` and
  the detectors of process and equipment faults.
- :mod:`greenmet.monitoring.traceability`: a cast back to its charges and lots, forward to its
  vessels; a lot forward to its casts (quality traceability, 质量追溯).
- :mod:`greenmet.monitoring.plant_state`: tags and plant records → the calculation-sheet inputs
  of each minute (the documented adapter).
- :mod:`greenmet.monitoring.derived`: the per-minute derived tags ``calc_*``.
"""
