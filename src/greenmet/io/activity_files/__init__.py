"""Read and write activity-data files: TOML, YAML, JSON and the bilingual Excel template.

An activity-data file describes one installation and one reporting period
(:class:`greenmet.carbon.activity.ActivityData`). Text formats hold the model's fields as nested
tables; the Excel template written by :func:`write_template` holds one sheet per section:

============  ==================================================================================
sheet         layout
============  ==================================================================================
installation  one row per field (field key, description, value): id, name, country, province,
              sector, period start and end, reporting year
materials     one row per material flow, one column per field of ``MaterialFlow``
energy        one row per electricity or heat flow (``EnergyFlow``)
production    one row per product (``Production``)
aluminium     one row per field of ``AluminiumSmelting`` (aluminium smelters only)
notes         how to fill the template (not read)
lists         the values of the drop-down lists (hidden, not read)
============  ==================================================================================

Sheet names and column headers are written in Chinese or English; the reader accepts either
language (and the field keys), so a template written in one language and filled in by someone
who renamed nothing reads back to the same :class:`ActivityData`.

Every error names the file, the sheet, the row (as Excel numbers it), the field, the offending
value and the fix: pydantic's ``ValidationError`` is translated into greenmet's errors.

The package is split along its seams: :mod:`.layout` (sheets and columns), :mod:`.template`
(the writer), :mod:`.readers` (text files and directories), :mod:`.excel_reader`,
:mod:`.relocation` (validation and error locations) and :mod:`.examples` (the shipped example plants).
"""

from __future__ import annotations

from greenmet.io.activity_files.examples import example_names, example_path, read_example
from greenmet.io.activity_files.readers import (
    ACTIVITY_SUFFIXES,
    activity_files,
    read_activity,
    read_activity_dir,
)
from greenmet.io.activity_files.template import activity_to_dict, write_template

__all__ = [
    "ACTIVITY_SUFFIXES",
    "activity_files",
    "activity_to_dict",
    "example_names",
    "example_path",
    "read_activity",
    "read_activity_dir",
    "read_example",
    "write_template",
]
