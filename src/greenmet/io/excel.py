"""Excel workbooks a verifier can read: one sheet per table, titled, with units in the headers.

Reports from every capability go through :func:`write_workbook` so that they look alike: a title
block (report name, installation, period, method, generated-at), a header row frozen in place,
numbers with a fixed number format, column widths that fit, and the file written atomically.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.io.atomic import atomic_write_with

__all__ = ["write_workbook"]

_SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names


def write_workbook(
    target: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    title: str,
    header_lines: Sequence[tuple[str, str]] = (),
    number_format: str = "#,##0.000",
    decorate: Callable[[Any, Mapping[str, Any], int], None] | None = None,
) -> Path:
    """Write ``sheets`` to an ``.xlsx`` file atomically.

    Parameters
    ----------
    target
        The workbook to write.
    sheets
        Sheet name → table; the index is written only if it is named.
    title
        Printed in bold on the first line of every sheet.
    header_lines
        (label, value) pairs printed under the title: installation, period, method …
    number_format
        Excel number format of float columns.
    decorate
        Called once all sheets are written, with the xlsxwriter workbook, the worksheets by sheet
        name and the row of the header line (0-based), e.g. to add charts.
    """
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
            book = writer.book
            bold = book.add_format({"bold": True, "font_size": 13})
            label_format = book.add_format({"bold": True})
            header_format = book.add_format(
                {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
            )
            float_format = book.add_format({"num_format": number_format})
            for name, frame in sheets.items():
                sheet_name = name[:_SHEET_NAME_LIMIT]
                table = frame.reset_index() if frame.index.name is not None else frame
                start_row = 2 + len(header_lines) + 1
                table.to_excel(writer, sheet_name=sheet_name, startrow=start_row, index=False)
                sheet = writer.sheets[sheet_name]
                sheet.write(0, 0, title, bold)
                for offset, (label_text, value) in enumerate([*header_lines, ("generated", generated)]):
                    sheet.write(1 + offset, 0, label_text, label_format)
                    sheet.write(1 + offset, 1, value)
                for column, heading in enumerate(table.columns):
                    sheet.write(start_row, column, str(heading), header_format)
                    values = table[heading]
                    width = max([len(str(heading))] + [len(str(v)) for v in values.head(200)]) + 2
                    cell_format = float_format if pd.api.types.is_float_dtype(values) else None
                    sheet.set_column(column, column, min(max(width, 10), 60), cell_format)
                sheet.freeze_panes(start_row + 1, 0)
            if decorate is not None:
                decorate(book, writer.sheets, 2 + len(header_lines) + 1)

    return atomic_write_with(target, write)
