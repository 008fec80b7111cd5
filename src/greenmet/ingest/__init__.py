"""Plant data in: mapping files, file import and OPC UA ingestion into the historian.

- :mod:`greenmet.ingest.mapping` — vendor tag → glossary tag, unit, range, site, furnace
  (:func:`~greenmet.ingest.mapping.load_mapping`, :class:`~greenmet.ingest.mapping.TagMap`);
- :mod:`greenmet.ingest.files` — CSV, Parquet and Excel exports, wide or long
  (:func:`~greenmet.ingest.files.import_file`);
- :mod:`greenmet.ingest.opcua_client` — subscription to an OPC UA server with reconnection,
  history refill and health points (:class:`~greenmet.ingest.opcua_client.OpcUaIngest`).

Modules are imported on use, so that file import does not load asyncua.
"""
