"""Long-running engines on the live feed and the historian.

- :mod:`greenmet.engines.monitoring`: the monitoring engine. One engine for live data (the
  ingestion's live feed, :mod:`greenmet.ingest.live`) and for replays of historian ranges: it
  pivots long points into wide 1 s chunks on a fixed time grid, runs a
  :class:`~greenmet.monitoring.detectors.DetectorSet` and stores the alerts in the records store
  (:mod:`greenmet.storage.alerts`); live, it also calls the per-minute derived-tag calculation
  and writes its points through the process that holds the furnace's historian writer.
- :mod:`greenmet.engines.derived`: the derived tags ``calc_*`` (the per-minute calculation
  sheet), over a past range (``greenmet bf derive``) and live each minute
  (:class:`~greenmet.engines.derived.LiveDerivation`, the engine's minute calculation).
- :mod:`greenmet.engines.historian_activity`: carbon activity data of the ironmaking boundary
  from the furnace's historian and plant records (``greenmet carbon report --from-historian``).
"""
