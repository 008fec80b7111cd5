"""Blast-furnace process calculations: pure functions over scalars, numpy arrays and pandas Series.

Modules: :mod:`~greenmet.blast_furnace.gas` (gas utilisation, enrichment, bosh and top gas),
:mod:`~greenmet.blast_furnace.flame_temperature` (RAFT), :mod:`~greenmet.blast_furnace.mass_balance`,
:mod:`~greenmet.blast_furnace.heat_balance`, :mod:`~greenmet.blast_furnace.operating_line` (Rist),
:mod:`~greenmet.blast_furnace.indices`, :mod:`~greenmet.blast_furnace.thermal_state`,
:mod:`~greenmet.blast_furnace.what_if` and :mod:`~greenmet.blast_furnace.state` (the furnace state
model and the calculation sheet). Names and units: ``docs/nomenclature/blast_furnace.md``.
"""
