"""The simulated furnace as a data source: bulk Parquet history and a live OPC UA server.

- :func:`~greenmet.simulation.history.write_history` — days of 1-s history in the historian layout.
- :class:`~greenmet.simulation.opcua_server.SimulatorServer` — the furnace's tags over OPC UA
  (imported from its module: it needs ``asyncua``).
- :func:`load_scenario` — a fault scenario from a TOML or YAML file.
"""

from greenmet.simulation.scenario_file import load_scenario

__all__ = ["load_scenario"]
