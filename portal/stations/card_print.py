"""Print-ready business cards for a batch: an A4 sheet for a print shop and a single card.

Pages, in order: an A4 sheet of fronts and one of backs (85 × 55 mm cards with 3 mm of bleed and
crop marks; the backs mirrored for long-edge duplex), then one card's front and back at their
trim size. Fonts ship in wheels (Noto Sans, Noto Sans Arabic) and harfbuzz shapes the Arabic and
Persian lines, so nothing is installed on the system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files

import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from portal.core.i18n import is_rtl
from portal.core.phone_numbers import typed_phone
from portal.models import CardBatch
from portal.stations.cards import card_link

CARD_W, CARD_H = 85.0, 55.0
BLEED = 3.0
A4_W, A4_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
MARK_GAP, MARK_LENGTH = 2.0, 5.0
BAND = 5.0  # the coloured band along the front's left edge, printed into the bleed
BAND_COLOUR = (47, 111, 115)
INK = (25, 25, 25)
SANS = files("fontpkg_noto_sans") / "files" / "NotoSans[wdth,wght].ttf"
ARABIC = files("fontpkg_noto_sans_arabic") / "files" / "NotoSansArabic[wdth,wght].ttf"


@dataclass(frozen=True)
class CardText:
    """Everything printed on one batch's cards, already in the card's languages."""

    service: str
    tagline: str
    address: str
    link: str
    number_label: str
    number: str
    save_hint: str
    hours: str
    language_lines: list[tuple[str, bool]]
    emergency: str


def _national(number: str | None) -> str:
    """The number as printed on the card: written as people type it, by the one phone rule."""
    return typed_phone(number or current_app.config["COORDINATOR_PHONE"])


def _language_line(lang: str) -> tuple[str, bool]:
    with force_locale(lang):
        return _("Ask for a call in your language."), is_rtl(lang)


def card_text(batch: CardBatch) -> CardText:
    """The wording of a batch's cards, in the configured card language."""
    link = card_link(batch)
    station = batch.station
    with force_locale(current_app.config["CARD_LANGUAGE"]):
        hours = station.calling_hours
        return CardText(
            service=current_app.config["CARD_SERVICE_NAME"],
            tagline=_("A call back, when it suits you."),
            address=link.split("://", 1)[-1],
            link=link,
            number_label=_("The call will come from"),
            number=_national(station.callback_number),
            save_hint=_("Save it under any name you like."),
            hours=_("We usually call: %(hours)s", hours=hours) if hours else "",
            language_lines=[_language_line(lang) for lang in current_app.config["CARD_LANGUAGES"]],
            emergency=_("Danger now: 17 or 112 · text message 114 · listening 3919"),
        )


def _new_document() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("sans", "", str(SANS))
    pdf.add_font("arabic", "", str(ARABIC))
    pdf.set_fallback_fonts(["arabic"])
    pdf.set_text_shaping(True)
    pdf.set_text_color(*INK)
    return pdf


def _fitted_size(pdf: FPDF, text: str, width: float, largest: float) -> float:
    size = largest
    while size > 6:
        pdf.set_font("sans", size=size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
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
    pdf.set_fill_color(*INK)
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
    _line(pdf, left, y + 8, 44, text.service, 12)
    _line(pdf, left, y + 15, 44, text.tagline, 7)
    _qr(pdf, text.link, x + CARD_W - 26, y + 5, 21)
    width = CARD_W - BAND - 10
    _line(pdf, left, y + 38, width, text.address, _fitted_size(pdf, text.address, width, 15))


def draw_back(pdf: FPDF, text: CardText, x: float, y: float) -> None:
    """The useful side: the number the call comes from, calling hours, languages, help numbers."""
    left, width = x + 6, CARD_W - 12
    _line(pdf, left, y + 5, width, text.number_label, 7)
    _line(pdf, left, y + 9.5, width, text.number, 14)
    _line(pdf, left, y + 17, width, text.save_hint, 6.5)
    if text.hours:
        _line(pdf, left, y + 21.5, width, text.hours, 6.5)
    column = width / 2
    for i, (line, rtl) in enumerate(text.language_lines):
        cx = left + (i % 2) * column
        cy = y + 27 + (i // 2) * 4
        size = _fitted_size(pdf, line, column - 2, 6.5)
        _line(pdf, cx, cy, column - 2, line, size, align="R" if rtl else "L")
    emergency_size = _fitted_size(pdf, text.emergency, width, 6.5)
    _line(pdf, left, y + CARD_H - 7, width, text.emergency, emergency_size)


def _crop_marks(pdf: FPDF, x0: float, y0: float) -> None:
    """Marks in the sheet's margins along every trim line, clear of the bleed."""
    pdf.set_draw_color(0, 0, 0)
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


Drawer = Callable[[FPDF, CardText, float, float], None]


def _sheet(pdf: FPDF, text: CardText, draw: Drawer, mirrored: bool) -> None:
    pdf.add_page(format="A4")
    cell_w, cell_h = CARD_W + 2 * BLEED, CARD_H + 2 * BLEED
    x0, y0 = (A4_W - COLUMNS * cell_w) / 2, (A4_H - ROWS * cell_h) / 2
    for row in range(ROWS):
        for col in range(COLUMNS):
            place = COLUMNS - 1 - col if mirrored else col
            draw(pdf, text, x0 + place * cell_w + BLEED, y0 + row * cell_h + BLEED)
    _crop_marks(pdf, x0, y0)


def card_pdf(batch: CardBatch) -> bytes:
    """The print-ready PDF of a batch's cards."""
    text = card_text(batch)
    pdf = _new_document()
    pdf.set_title(text.service)
    _sheet(pdf, text, draw_front, mirrored=False)
    _sheet(pdf, text, draw_back, mirrored=True)
    for draw in (draw_front, draw_back):
        pdf.add_page(format=(CARD_W, CARD_H))
        draw(pdf, text, 0, 0)
    return bytes(pdf.output())
