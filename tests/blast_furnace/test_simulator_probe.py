"""Cross-temperature probe and per-tuyere blast of the simulated furnace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import Scenario, preset, simulate, tag_catalogue
from greenmet.blast_furnace.simulator.catalogue import cross_temperature_tags, tuyere_blast_tag

CONFIG = preset("2500m3")
QUIET = {"random_sensor_faults_per_day": 0}


@pytest.fixture(scope="module")
def channelling():
    scenario = Scenario.from_mapping(
        {**QUIET, "faults": [{"fault": "channelling", "start": "30min", "duration": "60min", "location": 2}]}
    )
    return simulate(CONFIG, "100min", seed=11, scenario=scenario)


def test_the_catalogue_lists_the_probe_and_the_tuyere_meters_with_units():
    catalogue = tag_catalogue(CONFIG).set_index("tag")
    probe = cross_temperature_tags(CONFIG.cross_probe_arms, CONFIG.cross_probe_points_per_arm)
    assert len(probe) == 1 + 4 * 5 and probe[0] == "cross_temperature_centre"
    assert (catalogue.loc[probe, "unit"] == "degC").all()
    assert (catalogue.loc[probe, "subsystem"] == "top_gas").all()
    meters = [tuyere_blast_tag(n) for n in range(1, CONFIG.tuyeres + 1)]
    assert (catalogue.loc[meters, "unit"] == "Nm3/min").all()
    assert catalogue.loc["cross_temperature_a2_p05", "description_zh"] == "十字测温 第2臂 由中心向外第5点"
    bare = CONFIG.model_copy(update={"cross_probe_arms": 0, "tuyere_blast_meters": False})
    tags = set(tag_catalogue(bare)["tag"])
    assert not {t for t in tags if t.startswith(("cross_temperature", "tuyere_blast"))}


def test_the_tags_a_furnace_had_before_keep_their_values_exactly():
    """The new tags draw their noise from a stream of their own and get no random sensor faults:
    a seeded run of a furnace without them is the same, value for value."""
    bare = CONFIG.model_copy(update={"cross_probe_arms": 0, "tuyere_blast_meters": False})
    scenario = Scenario.from_mapping({"random_sensor_faults_per_day": 50})
    full = simulate(CONFIG, "30min", seed=2, scenario=scenario)
    without = simulate(bare, "30min", seed=2, scenario=scenario)
    pd.testing.assert_frame_equal(full.values[without.values.columns], without.values)
    pd.testing.assert_frame_equal(full.labels, without.labels)


def test_the_probe_is_hot_in_the_centre_and_a_channel_heats_the_wall_side_of_its_sector(channelling):
    values = channelling.values
    before = values.iloc[:1500].mean()
    during = values.iloc[3300:4500].mean()  # the channel at full strength
    for arm in (1, 2, 3, 4):
        profile = before[[f"cross_temperature_a{arm}_p{p:02d}" for p in range(1, 6)]].to_numpy()
        assert before["cross_temperature_centre"] > profile[0] > profile[2] > profile[4]
    rise = {arm: during[f"cross_temperature_a{arm}_p05"] - before[f"cross_temperature_a{arm}_p05"]
            for arm in (1, 2, 3, 4)}
    assert rise[2] > 100 and max(rise[1], rise[3], rise[4]) < 30


def test_tuyere_meters_share_the_blast_and_the_channel_sector_takes_more(channelling):
    values = channelling.values
    meters = [tuyere_blast_tag(n) for n in range(1, CONFIG.tuyeres + 1)]
    total = values["blast_volume"] + values["oxygen_flow"] / 60
    relative = (values[meters].sum(axis=1) - total) / total
    assert relative.abs().mean() < 0.01
    share = values[meters].div(values[meters].sum(axis=1), axis=0)
    sector = (np.arange(CONFIG.tuyeres) * CONFIG.uptakes) // CONFIG.tuyeres == 1  # uptake 2
    gain = share.iloc[3300:4500].mean() / share.iloc[:1500].mean()
    assert gain[sector].mean() > 1.03 > gain[~sector].mean()
