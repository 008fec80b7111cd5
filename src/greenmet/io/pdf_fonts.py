"""An open CJK font for PDF reports, embedded as a subset so that every viewer shows the Chinese.

reportlab's built-in CID fonts (``STSong-Light``) are not embedded: a viewer without Adobe's
Asian font packs (poppler, many browsers' viewers, plant PCs) shows boxes instead of Chinese.
greenmet therefore embeds a TrueType font with Chinese glyphs, subset to the characters used
(reportlab writes it as a ``FontFile2`` stream).

The font is looked up, in this order:

1. the file named by the environment variable ``GREENMET_CJK_FONT`` (``path`` or
   ``path#index`` to pick a face of a ``.ttc`` collection);
2. the open fonts Debian installs: ``fonts-wqy-microhei`` (WenQuanYi Micro Hei, Apache-2.0 or
   GPLv3), ``fonts-wqy-zenhei`` (WenQuanYi Zen Hei, GPLv2 with font exception) and
   ``fonts-droid-fallback`` (Droid Sans Fallback, Apache-2.0).

reportlab reads TrueType outlines only: OpenType/CFF fonts (``.otf``, e.g. Noto Sans CJK) are
refused with an error that says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from greenmet.errors import InputError

__all__ = ["CJK_FONT_ENVIRONMENT", "find_cjk_font", "needs_cjk_font", "register_cjk_font"]

CJK_FONT_ENVIRONMENT = "GREENMET_CJK_FONT"
_DEBIAN_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, "fonts-droid-fallback"),
)
_FIX = (
    "install an open CJK TrueType font, e.g. on Debian/Ubuntu `apt-get install fonts-wqy-microhei`, "
    f"or set {CJK_FONT_ENVIRONMENT} to a .ttf/.ttc file with Chinese glyphs (path#index for a face "
    "of a .ttc); or write the report with --format xlsx"
)
_PROBE = "温室气体排放"  # characters every Chinese report prints


def needs_cjk_font(texts: list[str]) -> bool:
    """True if a text cannot be shown with the PDF standard fonts (WinAnsi encoding)."""
    for text in texts:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return True
    return False


def find_cjk_font() -> tuple[Path, int]:
    """The TrueType file (and face index in a collection) to embed for Chinese text.

    Raises
    ------
    InputError
        When ``GREENMET_CJK_FONT`` names a missing file or a bad index, or no known font is
        installed; the message names the package to install.
    """
    configured = os.environ.get(CJK_FONT_ENVIRONMENT, "").strip()
    if configured:
        name, _, index_text = configured.partition("#")
        path = Path(name).expanduser()
        if not path.is_file():
            raise InputError("the CJK font file does not exist", field=CJK_FONT_ENVIRONMENT,
                             value=configured, fix=_FIX)
        if index_text and not index_text.isdigit():
            raise InputError("the face index after '#' must be a whole number",
                             field=CJK_FONT_ENVIRONMENT, value=configured,
                             fix="write path#0 for the first face of a .ttc collection")
        return path, int(index_text or 0)
    for name, index, _package in _DEBIAN_FONTS:
        if Path(name).is_file():
            return Path(name), index
    raise InputError("no CJK font found to embed in the PDF", field="language", value="zh", fix=_FIX)


def register_cjk_font() -> str:
    """Register the CJK font with reportlab (once) and return its reportlab font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path, index = find_cjk_font()
    name = f"greenmet-cjk-{path.stem}-{index}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except (TTFError, OSError) as exc:
        raise InputError(f"the CJK font cannot be embedded: {exc}", field=CJK_FONT_ENVIRONMENT,
                         value=f"{path}#{index}",
                         fix="give a TrueType font (.ttf/.ttc with TrueType outlines; OpenType/CFF "
                             ".otf fonts such as Noto Sans CJK are not supported by reportlab). "
                             + _FIX) from exc
    missing = [character for character in _PROBE if ord(character) not in font.face.charToGlyph]
    if missing:
        raise InputError("the font has no Chinese glyphs", field=CJK_FONT_ENVIRONMENT,
                         value=f"{path}#{index}", fix=_FIX)
    pdfmetrics.registerFont(font)
    return name
