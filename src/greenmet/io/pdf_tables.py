"""The one look of greenmet's PDF tables: a shaded header row repeated on each page, a thin grid.

:func:`grid_table` builds a reportlab ``Table`` from rows of cells (already ``Paragraph`` objects
or text), so the reports of every capability (carbon, furnace-chief reports …) look alike.
Needs the ``reports`` extra (reportlab).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["HEADER_COLOUR", "grid_table"]

HEADER_COLOUR = "#DDEBF7"  # the header fill of the Excel workbooks too (greenmet.io.excel)


def grid_table(rows: Sequence[Sequence[Any]], widths_mm: Sequence[float] | None = None, *,
               grid_width: float = 0.4) -> Any:
    """A table of ``rows`` (the first is the header) with column widths in mm (None: automatic)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    element = Table([list(row) for row in rows], colWidths=[w * mm for w in widths_mm] if widths_mm else None,
                    repeatRows=1)
    element.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_COLOUR)),
        ("GRID", (0, 0), (-1, -1), grid_width, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return element
