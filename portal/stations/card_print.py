"""Print-ready business cards for a batch, as a print shop takes them: an A4 sheet and a card.

Pages, in order: an A4 sheet of fronts and one of backs (85 × 55 mm cards with 3 mm of bleed and
crop marks; the backs mirrored for long-edge duplex), then one card's front and back with their
own bleed. Every page names its TrimBox and BleedBox; text is in pure black (grey 0, which a press
prints with the black plate alone) and never under 7 pt (8 pt for Arabic script). Fonts ship in
wheels (Noto Sans, Noto Sans Arabic) and harfbuzz shapes the Arabic and Persian lines, so nothing
is installed on the system. fpdf and pypdf are imported only when a PDF is made: commands start
fast.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING

import segno

from portal.models import CardBatch
from portal.stations.card_wording import MIN_SIZE, CardText, card_text
from portal.stations.page_boxes import Box, PageBoxes, with_page_boxes

if TYPE_CHECKING:
    from fpdf import FPDF

CARD_W, CARD_H = 85.0, 55.0
BLEED = 3.0
A4_W, A4_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
MARK_GAP, MARK_LENGTH = 2.0, 5.0
BAND = 5.0  # the coloured band along the front's left edge, printed into the bleed
BAND_COLOUR = (47, 111, 115)
BLACK = 0  # grey 0: the black plate alone, never four-colour black
SANS = files("fontpkg_noto_sans") / "files" / "NotoSans[wdth,wght].ttf"
ARABIC = files("fontpkg_noto_sans_arabic") / "files" / "NotoSansArabic[wdth,wght].ttf"
# The back's lines, top to bottom (mm from the card's top edge), and the space they share.
MARGIN = 4.0
LANGUAGES_TOP = 22.5
EMERGENCY_TOP = CARD_H - MARGIN - 3.2


class CardLayoutError(ValueError):
    """The configured wording does not fit on the card at a readable size."""


def _new_document() -> FPDF:
    from fpdf import FPDF  # a second and more to import: only when cards are printed

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("sans", "", str(SANS))
    pdf.add_font("arabic", "", str(ARABIC))
    pdf.set_fallback_fonts(["arabic"])
    pdf.set_text_shaping(True)
    pdf.set_text_color(BLACK)
    return pdf


def _fits(pdf: FPDF, text: str, width: float, size: float) -> bool:
    pdf.set_font("sans", size=size)
    return pdf.get_string_width(text) <= width


def _fitted_size(pdf: FPDF, text: str, width: float, largest: float, smallest: float) -> float:
    """The largest size from `largest` down to `smallest` at which the text fits the width."""
    size = largest
    while size > smallest and not _fits(pdf, text, width, size):
        size -= 0.5
    if not _fits(pdf, text, width, size):
        raise CardLayoutError(f"a line is too long for the card at {smallest:g} pt: {text!r}")
    return size


def _line(
    pdf: FPDF, x: float, y: float, w: float, text: str, size: float, align: str = "L"
) -> None:
    pdf.set_font("sans", size=size)
    pdf.set_xy(x, y)
    pdf.cell(w, size * 0.42, text, align=align)


def _qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares, one run of dark modules at a time."""
    matrix = [list(row) for row in segno.make(link, error="m").matrix_iter(border=0)]
    module = size / len(matrix)
    pdf.set_fill_color(BLACK)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")


def draw_front(pdf: FPDF, text: CardText, x: float, y: float) -> None:
    """The neutral side: service name, the address in large type and its QR code."""
    pdf.set_fill_color(*BAND_COLOUR)
    pdf.rect(x - BLEED, y - BLEED, BAND + BLEED, CARD_H + 2 * BLEED, style="F")
    left = x + BAND + 5
    _line(pdf, left, y + 8, 44, text.service, _fitted_size(pdf, text.service, 44, 12, MIN_SIZE))
    _line(pdf, left, y + 15, 44, text.tagline, _fitted_size(pdf, text.tagline, 44, 8, MIN_SIZE))
    _qr(pdf, text.link, x + CARD_W - 26, y + 5, 21)
    width = CARD_W - BAND - 10
    _line(pdf, left, y + 38, width, text.address, _fitted_size(pdf, text.address, width, 15, 9))


Row = list[tuple[str, bool, float]]


def _language_rows(pdf: FPDF, lines: list[tuple[str, bool, float]], half: float) -> list[Row]:
    """Two lines side by side where both fit half the width at their size, else one a row."""
    rows: list[Row] = []
    waiting: tuple[str, bool, float] | None = None
    for line in lines:
        if not _fits(pdf, line[0], half, line[2]):
            rows.append([line])
        elif waiting is None:
            waiting = line
        else:
            rows.append([waiting, line])
            waiting = None
    if waiting is not None:
        rows.append([waiting])
    return rows


def _draw_languages(pdf: FPDF, text: CardText, left: float, card_top: float, width: float) -> None:
    half = width / 2 - 1
    rows = _language_rows(pdf, text.language_lines, half)
    room = (EMERGENCY_TOP - 0.8 if text.emergency else CARD_H - MARGIN) - LANGUAGES_TOP
    pitch = [max(size for _t, _r, size in row) * 0.42 + 0.6 for row in rows]
    if sum(pitch) > room:
        raise CardLayoutError("too many languages for the back of the card")
    y = card_top + LANGUAGES_TOP
    for row, step in zip(rows, pitch, strict=True):
        cell = width if len(row) == 1 else half
        for i, (line, rtl, size) in enumerate(row):
            fitted = _fitted_size(pdf, line, cell, size, size)
            _line(pdf, left + i * (half + 2), y, cell, line, fitted, align="R" if rtl else "L")
        y += step


def draw_back(pdf: FPDF, text: CardText, x: float, y: float) -> None:
    """The useful side: the number the call comes from, calling hours, languages, help numbers."""
    left, width = x + 6, CARD_W - 12
    _line(pdf, left, y + MARGIN, width, text.number_label, MIN_SIZE)
    _line(pdf, left, y + 8.5, width, text.number, 14)
    _line(pdf, left, y + 15, width, text.save_hint, _fitted_size(pdf, text.save_hint, width, 7, 7))
    if text.hours:
        _line(pdf, left, y + 18.5, width, text.hours, _fitted_size(pdf, text.hours, width, 7, 7))
    _draw_languages(pdf, text, left, y, width)
    if text.emergency:
        size = _fitted_size(pdf, text.emergency, width, MIN_SIZE, MIN_SIZE)
        _line(pdf, left, y + EMERGENCY_TOP, width, text.emergency, size)


def _crop_marks(pdf: FPDF, x0: float, y0: float) -> None:
    """Marks in the sheet's margins along every trim line, clear of the bleed."""
    pdf.set_draw_color(BLACK)
    pdf.set_line_width(0.15)
    grid_w, grid_h = COLUMNS * (CARD_W + 2 * BLEED), ROWS * (CARD_H + 2 * BLEED)
    for col in range(COLUMNS):
        for trim in (BLEED, BLEED + CARD_W):
            tx = x0 + col * (CARD_W + 2 * BLEED) + trim
            pdf.line(tx, y0 - MARK_GAP, tx, y0 - MARK_GAP - MARK_LENGTH)
            pdf.line(tx, y0 + grid_h + MARK_GAP, tx, y0 + grid_h + MARK_GAP + MARK_LENGTH)
    for row in range(ROWS):
        for trim in (BLEED, BLEED + CARD_H):
            ty = y0 + row * (CARD_H + 2 * BLEED) + trim
            pdf.line(x0 - MARK_GAP, ty, x0 - MARK_GAP - MARK_LENGTH, ty)
            pdf.line(x0 + grid_w + MARK_GAP, ty, x0 + grid_w + MARK_GAP + MARK_LENGTH, ty)


Drawer = Callable[["FPDF", CardText, float, float], None]


def _sheet(pdf: FPDF, text: CardText, draw: Drawer, mirrored: bool) -> PageBoxes:
    """A4 with the cards side by side, each with its bleed; the boxes frame the whole grid."""
    pdf.add_page(format="A4")
    cell_w, cell_h = CARD_W + 2 * BLEED, CARD_H + 2 * BLEED
    x0, y0 = (A4_W - COLUMNS * cell_w) / 2, (A4_H - ROWS * cell_h) / 2
    for row in range(ROWS):
        for col in range(COLUMNS):
            place = COLUMNS - 1 - col if mirrored else col
            draw(pdf, text, x0 + place * cell_w + BLEED, y0 + row * cell_h + BLEED)
    _crop_marks(pdf, x0, y0)
    bleed = Box(x0, y0, COLUMNS * cell_w, ROWS * cell_h)
    return PageBoxes(A4_H, bleed.inset(BLEED), bleed)


def _single_card(pdf: FPDF, text: CardText, draw: Drawer) -> PageBoxes:
    """One card on a page of its trim size plus the bleed all round."""
    pdf.add_page(format=(CARD_W + 2 * BLEED, CARD_H + 2 * BLEED))
    draw(pdf, text, BLEED, BLEED)
    page = Box(0, 0, CARD_W + 2 * BLEED, CARD_H + 2 * BLEED)
    return PageBoxes(page.height, page.inset(BLEED), page)


def card_pdf(batch: CardBatch, helplines: bool | None = None) -> bytes:
    """The print-ready PDF of a batch's cards; raises CardLayoutError if the wording cannot fit."""
    text = card_text(batch, helplines)
    pdf = _new_document()
    pdf.set_title(text.service)
    boxes = [
        _sheet(pdf, text, draw_front, mirrored=False),
        _sheet(pdf, text, draw_back, mirrored=True),
        _single_card(pdf, text, draw_front),
        _single_card(pdf, text, draw_back),
    ]
    return with_page_boxes(bytes(pdf.output()), boxes)
