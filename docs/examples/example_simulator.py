"""Example: a simulated 2,500 m3 furnace hangs for 40 minutes, and the data show it.

Run with ``python docs/examples/example_simulator.py``; pytest runs it as a test. The numbers
are the simulator's own (a demonstration furnace, not a plant).
"""

from greenmet.blast_furnace.simulator import Scenario, preset, simulate, tag_catalogue

config = preset("2500m3")
scenario = Scenario.from_text(
    """
random_sensor_faults_per_day = 0

[[faults]]
fault = "hanging"
start = "1h"
duration = "40min"
severity = 0.8
"""
)
result = simulate(config, "2h", seed=1, scenario=scenario)
before = result.values.between_time("00:20", "00:55").mean()
during = result.values.between_time("01:10", "01:35").mean()
print(f"{len(tag_catalogue(config))} tags; labels:\n{result.labels}")
for tag in ("pressure_differential", "permeability_index", "blast_pressure", "charge_count"):
    print(f"{tag:24s} before {before[tag]:9.2f}  during {during[tag]:9.2f}")


def test_hanging_shows_in_the_tags_and_the_label():
    assert during["pressure_differential"] > before["pressure_differential"]
    assert during["permeability_index"] < before["permeability_index"]
    hanging = result.values.between_time("01:05", "01:35")["charge_count"]
    assert hanging.iloc[-1] == hanging.iloc[0]  # no charge while the burden hangs
    assert list(result.labels["fault"]) == ["hanging"]
