"""Long-running engines on the live feed and the historian.

- :mod:`greenmet.engines.monitoring`: the monitoring engine. One engine for live data (the
  ingestion's live feed, :mod:`greenmet.ingest.live`) and for replays of historian ranges: it
  pivots long points into wide 1 s chunks on a fixed time grid, runs a
  :class:`~greenmet.monitoring.detectors.DetectorSet` and stores the alerts in the records store
  (:mod:`greenmet.storage.alerts`); live, it also calls the per-minute derived-tag calculation
  and writes its points through the process that holds the furnace's historian writer.
"""
