"""Cards a print shop accepts: page boxes on every page, text in pure black at a readable size,
bleed on every card, the back's languages as configured, and a back without the helplines."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from helpers.staff import StaffAccount, staff_browser

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import Station
from portal.stations.card_print import CardLayoutError, card_pdf
from portal.stations.cards import card_link, current_batch

MM = 72 / 25.4
TRIM_W, TRIM_H = 85 * MM, 55 * MM
BLEED = 3 * MM
ARABIC_SCRIPT = ("\u0600", "\u06ff")


@dataclass(frozen=True)
class ShownText:
    """A piece of text as a page shows it: its words, size in points and fill colour."""

    text: str
    size: float
    colour: tuple[str, tuple[float, ...]]


def shown_text(page: pypdf.PageObject) -> list[ShownText]:
    """Every piece of text on the page, with the size and fill colour it is painted in."""
    colour: list[tuple[str, tuple[float, ...]]] = [("g", (0.0,))]
    found: list[ShownText] = []

    def before(operator: bytes, operands: list[Any], _cm: Any, _tm: Any) -> None:
        if operator in (b"g", b"rg", b"k", b"sc", b"scn"):
            colour[0] = (operator.decode(), tuple(float(v) for v in operands))

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            found.append(ShownText(text.strip(), round(size * scale, 2), colour[0]))

    page.extract_text(visitor_operand_before=before, visitor_text=visit)
    return found


def qr_codes(pdf: bytes, page: int) -> list[str]:
    rendered = pypdfium2.PdfDocument(pdf)[page].render(scale=4).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(rendered)]


def is_arabic(text: str) -> bool:
    return any(ARABIC_SCRIPT[0] <= char <= ARABIC_SCRIPT[1] for char in text)


@pytest.fixture
def cards_of(make_app: Callable[..., Flask]) -> Callable[..., tuple[bytes, str]]:
    """The PDF of the Roanne station's cards and their address, under these settings."""

    def make(helplines: bool | None = None, **settings: Any) -> tuple[bytes, str]:
        app = make_app(PUBLIC_BASE_URL="https://rappel.example.fr", **settings)
        with app.app_context():
            create_demo_stations()
            db.session().commit()
            station = db.session().query(Station).filter_by(code="roanne").one()
            batch = current_batch(station)
            return card_pdf(batch, helplines=helplines), card_link(batch)

    return make


def _box(page: pypdf.PageObject, name: str) -> tuple[float, float, float, float]:
    box = page[f"/{name}"]  # present on the page itself, not inherited from the media box
    left, bottom, right, top = (round(float(v), 1) for v in box)  # type: ignore[attr-defined]
    return left, bottom, right, top


def test_every_page_has_its_trim_and_bleed_boxes(
    cards_of: Callable[..., tuple[bytes, str]],
) -> None:
    pdf, _link = cards_of()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 4
    for page in reader.pages:
        x0, y0, x1, y1 = _box(page, "TrimBox")
        bx0, by0, bx1, by1 = _box(page, "BleedBox")
        media = [float(v) for v in page.mediabox]
        # The bleed runs 3 mm beyond the trim on every side, and stays on the page.
        assert (x0 - bx0, y0 - by0, bx1 - x1, by1 - y1) == pytest.approx((BLEED,) * 4, abs=0.2)
        assert bx0 >= media[0] - 0.1 and by0 >= media[1] - 0.1
        assert bx1 <= media[2] + 0.1 and by1 <= media[3] + 0.1
    single_front, single_back = reader.pages[2], reader.pages[3]
    for page in (single_front, single_back):
        x0, y0, x1, y1 = _box(page, "TrimBox")
        assert (x1 - x0, y1 - y0) == pytest.approx((TRIM_W, TRIM_H), abs=0.2)
        # A single card has its own bleed: the page is larger than the card.
        assert float(page.mediabox.width) == pytest.approx(TRIM_W + 2 * BLEED, abs=0.2)
    sheet = reader.pages[0]
    x0, y0, x1, y1 = _box(sheet, "TrimBox")
    assert x1 - x0 == pytest.approx(2 * TRIM_W + 2 * BLEED, abs=0.2)  # two cards side by side


def test_text_is_pure_black_and_never_under_7_pt(
    cards_of: Callable[..., tuple[bytes, str]],
) -> None:
    pdf, _link = cards_of()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    everything = [piece for page in reader.pages for piece in shown_text(page)]
    assert len(everything) > 40
    for piece in everything:
        assert piece.colour in (("g", (0.0,)), ("k", (0.0, 0.0, 0.0, 1.0))), piece
        assert piece.size >= (8 if is_arabic(piece.text) else 7), piece
    arabic = [piece for piece in everything if is_arabic(piece.text)]
    assert arabic and min(piece.size for piece in arabic) >= 8


def test_the_qr_code_still_opens_the_address(cards_of: Callable[..., tuple[bytes, str]]) -> None:
    pdf, link = cards_of()
    assert qr_codes(pdf, 2) == [link]
    assert set(qr_codes(pdf, 0)) == {link}


def test_ukrainian_is_on_the_back_by_default(cards_of: Callable[..., tuple[bytes, str]]) -> None:
    pdf, _link = cards_of()
    back = pypdf.PdfReader(io.BytesIO(pdf)).pages[3].extract_text()
    assert "Попросіть" in back  # Ukrainian
    assert "Попросите" in back  # Russian, kept


def test_the_back_languages_follow_the_setting(cards_of: Callable[..., tuple[bytes, str]]) -> None:
    pdf, _link = cards_of(CARD_LANGUAGES="uk,es")
    back = pypdf.PdfReader(io.BytesIO(pdf)).pages[3].extract_text()
    assert "Попросіть" in back and "Pida una llamada" in back
    assert "Попросите" not in back and "Ask for a call" not in back


def test_a_back_without_the_helplines(cards_of: Callable[..., tuple[bytes, str]]) -> None:
    with_lines, _link = cards_of()
    without, _link = cards_of(helplines=False)
    assert "3919" in pypdf.PdfReader(io.BytesIO(with_lines)).pages[3].extract_text()
    back = pypdf.PdfReader(io.BytesIO(without)).pages[3].extract_text()
    assert "3919" not in back and "112" not in back
    assert "04 65 71 00 04" in back  # the number the call comes from is still there


def test_the_setting_can_leave_the_helplines_off(
    cards_of: Callable[..., tuple[bytes, str]],
) -> None:
    pdf, _link = cards_of(CARD_HELPLINES=False)
    assert "3919" not in pypdf.PdfReader(io.BytesIO(pdf)).pages[3].extract_text()


def test_too_many_languages_are_refused_rather_than_shrunk(
    cards_of: Callable[..., tuple[bytes, str]],
) -> None:
    with pytest.raises(CardLayoutError):
        cards_of(CARD_LANGUAGES=["ro", "sq", "ru", "uk", "pt", "tr", "en", "es", "fa", "ar", "fr"])


def test_the_command_prints_a_back_without_helplines(app: Flask, tmp_path: Path) -> None:
    pdf_path = tmp_path / "cards.pdf"
    args = ["card-batch", "roanne", "--label", "Sans numéros", "--pdf", str(pdf_path)]
    result = app.test_cli_runner().invoke(args=[*args, "--without-helplines"])
    assert result.exit_code == 0, result.output
    back = pypdf.PdfReader(pdf_path).pages[3].extract_text()
    assert "3919" not in back and "04 65 71 00 04" in back


def test_the_coordinator_downloads_either_back(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[[FlaskClient, StaffAccount], Any],
) -> None:
    client = staff_browser(app)
    login_as(client, make_staff("admin"))
    with app.app_context():
        batch = current_batch(db.session().query(Station).filter_by(code="roanne").one())
        batch_id = batch.id
        db.session().commit()
    page = client.get("/staff/stations/roanne").get_data(as_text=True)
    assert f"/staff/batches/{batch_id}/cards.pdf?helplines=no" in page
    with_lines = client.get(f"/staff/batches/{batch_id}/cards.pdf")
    without = client.get(f"/staff/batches/{batch_id}/cards.pdf?helplines=no")
    assert "3919" in pypdf.PdfReader(io.BytesIO(with_lines.data)).pages[3].extract_text()
    assert "3919" not in pypdf.PdfReader(io.BytesIO(without.data)).pages[3].extract_text()
