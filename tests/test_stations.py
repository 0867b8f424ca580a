"""Going live: stations and card batches made from the CLI and the coordinator's pages alone,
the cards' PDF and its QR code, short codes typed as people type them, revoked batches and
closed stations that never lose a request."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from helpers.fixture_types import LoginAs, MakeApp, MakeStaff, Submit
from helpers.staff import STAFF_PASSWORD, StaffAccount, staff_browser, staff_password_hash
from helpers.web import VALID_FORM, csrf_token, found_in
from werkzeug.test import TestResponse

from portal.core import crypto, db
from portal.intake import card_codes
from portal.models import AuditEvent, CallbackRequest, CardBatch, Station
from portal.staff import accounts, auth
from portal.stations.cards import current_batch, signed_card_link

MM = 72 / 25.4
ADD_ROANNE = [
    "station-add", "roanne", "--name", "Commissariat de Roanne", "--kind", "commissariat",
    "--commune", "Roanne", "--callback-number", "04 65 71 00 04",
    "--calling-hours", "lun.–ven. 9 h–17 h",
]  # fmt: skip


@pytest.fixture
def empty_app(make_app: MakeApp) -> Flask:
    """An installation with nothing in its database yet."""
    return make_app(PUBLIC_BASE_URL="https://rappel.example.fr")


def cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def qr_codes(pdf: bytes, page: int) -> list[str]:
    rendered = pypdfium2.PdfDocument(pdf)[page].render(scale=4).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(rendered)]


def send_form(client: FlaskClient, path: str, **fields: Any) -> TestResponse:
    data = {**VALID_FORM, **fields, "csrf_token": csrf_token(client, path)}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def stored(app: Flask) -> list[tuple[str | None, str | None]]:
    """Each stored request's station and the label of the card batch it came from."""
    with app.app_context():
        rows = db.session().query(CallbackRequest).order_by(CallbackRequest.id)
        return [
            (r.station.code if r.station else None, r.card_batch.label if r.card_batch else None)
            for r in rows
        ]


def typed_variants(code: str) -> list[str]:
    """The code as people type it: lower case, no dash, O for 0 and L or I for 1."""
    plain = code.replace("-", "")
    look_alike = plain.replace("0", "O").replace("1", "l")
    return [code, plain.lower(), look_alike, look_alike.lower(), f"{plain[:3]} {plain[3:]}"]


def test_from_an_empty_database_the_cli_makes_a_station_and_its_cards(
    empty_app: Flask, tmp_path: Path
) -> None:
    cli(empty_app, *ADD_ROANNE)
    pdf_path = tmp_path / "roanne.pdf"
    link = cli(
        empty_app, "card-batch", "roanne", "--label", "Premier tirage", "--pdf", str(pdf_path)
    )
    assert re.fullmatch(
        r"https://rappel\.example\.fr/[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}", link
    )
    pdf = pdf_path.read_bytes()
    # The single card's front and the A4 sheet both carry the printed address.
    assert qr_codes(pdf, 2) == [link]
    assert set(qr_codes(pdf, 0)) == {link}
    assert cli(empty_app, "card-link", "roanne") == link
    client = empty_app.test_client()
    code = link.rsplit("/", 1)[1]
    for typed in typed_variants(code):
        response = client.get(f"/{typed}", headers={"Accept-Language": "en"})
        assert response.status_code == 302
        # The form's plain address: history keeps no code; the card rides in the session.
        assert response.headers["Location"] == "/en/"
    page = client.get("/en/").get_data(as_text=True)
    assert 'name="station"' not in page and 'name="card_code"' not in page
    assert send_form(client, "/en/", station=None).status_code == 303
    assert 'name="station"' in client.get("/en/").get_data(as_text=True)  # used once
    assert stored(empty_app) == [("roanne", "Premier tirage")]


def test_the_pdf_has_a4_sheets_and_card_pages_with_the_cards_text(
    empty_app: Flask, tmp_path: Path
) -> None:
    cli(empty_app, *ADD_ROANNE)
    pdf_path = tmp_path / "cards.pdf"
    link = cli(empty_app, "card-batch", "roanne", "--label", "Tirage", "--pdf", str(pdf_path))
    reader = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes()))
    sizes = [
        (round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
        for p in reader.pages
    ]
    # The single card's pages carry 3 mm of bleed around its 85 × 55 mm (its TrimBox).
    assert sizes == [(595.3, 841.9), (595.3, 841.9), (257.9, 172.9), (257.9, 172.9)]
    trims = [
        (round(float(p.trimbox.width), 1), round(float(p.trimbox.height), 1))
        for p in reader.pages[2:]
    ]
    assert trims == [(240.9, 155.9), (240.9, 155.9)]
    front, back = reader.pages[2].extract_text(), reader.pages[3].extract_text()
    assert link.split("://")[1] in front
    assert "Rappel Loire" in front
    assert "04 65 71 00 04" in back
    assert "lun.–ven. 9 h–17 h" in back
    for number in ("17", "112", "114", "3919"):
        assert re.search(rf"\b{number}\b", back)
    assert "Попросите" in back  # the Russian line, in Cyrillic
    assert "police" not in front.lower() and "violence" not in front.lower()
    sheet = reader.pages[0].extract_text()
    assert sheet.count(link.split("://")[1]) == 8


def test_crop_marks_sit_in_the_margins_of_the_sheet(app: Flask) -> None:
    from portal.stations.card_print import card_pdf

    with app.app_context():
        batch = current_batch(db.session().query(Station).filter_by(code="roanne").one())
        pdf = card_pdf(batch)
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    # The first column's left trim, 14 + 3 mm from the left edge, is marked above the grid.
    x, y = round((14 + 3) * MM), round((26.5 - 4) * MM)
    assert min(image.getpixel((x + dx, y)) for dx in (-1, 0, 1)) < 128
    assert image.getpixel((x + 20, y)) > 200  # nothing else in the margin


def test_station_list_edit_and_errors(empty_app: Flask) -> None:
    cli(empty_app, *ADD_ROANNE)
    cli(empty_app, "station-edit", "roanne", "--calling-hours", "mar. et jeu. 14 h–18 h")
    [listed] = json.loads(cli(empty_app, "station-list"))
    assert listed == {
        "code": "roanne",
        "name": "Commissariat de Roanne",
        "kind": "commissariat",
        "commune": "Roanne",
        "callback_number": "+33465710004",
        "calling_hours": "mar. et jeu. 14 h–18 h",
        "active": True,
    }
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=ADD_ROANNE).exit_code != 0  # the code is taken
    other = ["station-add", "x2", *ADD_ROANNE[2:8]]
    bad = runner.invoke(args=[*other, "--callback-number", "12"])
    assert bad.exit_code != 0 and "callback_number" in bad.output
    with empty_app.app_context():
        actions = [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["station_create", "station_edit"]


def test_closing_a_station_moves_its_open_requests_to_the_coordinator(
    app: Flask, client: FlaskClient, submit: Submit
) -> None:
    assert submit(station="roanne").status_code == 303
    assert submit(station="roanne", phone="06 12 34 56 79").status_code == 303
    with app.app_context():
        code = current_batch(db.session().query(Station).filter_by(code="roanne").one()).short_code
        db.session().commit()
    assert "2 open request(s)" in cli(app, "station-close", "roanne")
    assert [s for s, _batch in stored(app)] == [None, None]
    # Its cards still get a request through, to the coordinator.
    response = send_form(client, f"/fr/c/{card_codes.printed(code)}", station=None)
    assert response.status_code == 303
    assert stored(app)[-1] == (None, "Commissariat de Roanne cards")


def test_a_revoked_batch_still_reaches_the_coordinator(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        code = current_batch(db.session().query(Station).filter_by(code="firminy").one()).short_code
        db.session().commit()
    assert "Revoked" in cli(app, "card-revoke", code.lower())
    response = client.get(f"/{code}", headers={"Accept-Language": "fr"})
    path = response.headers["Location"]
    assert path == "/fr/"
    assert 'class="note"' in client.get(path).get_data(as_text=True)
    assert send_form(client, path, station=None).status_code == 303
    assert stored(app) == [(None, "Commissariat de Firminy cards")]
    assert app.test_cli_runner().invoke(args=["card-revoke", code]).exit_code != 0


def test_old_signed_links_keep_working(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        batch = current_batch(db.session().query(Station).filter_by(code="firminy").one())
        db.session().commit()
        old = signed_card_link(batch).removeprefix("https://portal.example")
    assert old.startswith("/c/") and len(old) > 30
    path = client.get(old, headers={"Accept-Language": "fr"}).headers["Location"]
    assert send_form(client, path, station=None).status_code == 303
    assert stored(app) == [("firminy", "Commissariat de Firminy cards")]


def test_the_code_typed_into_the_form_routes_the_same(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        code = current_batch(db.session().query(Station).filter_by(code="firminy").one()).short_code
        db.session().commit()
    typed = code.lower().replace("0", "o")
    assert send_form(client, "/fr/", card_code=typed, station="unknown").status_code == 303
    assert stored(app) == [("firminy", "Commissariat de Firminy cards")]


def test_an_unknown_code_is_said_and_can_be_corrected_or_left_out(
    app: Flask, client: FlaskClient
) -> None:
    bare = client.get("/", headers={"Accept-Language": "en"})
    for wrong in ("ZZZ-ZZZ", "hello", "A", "K7M-2QX-9", "k7m 2q"):
        response = app.test_client().get(f"/{wrong}", headers={"Accept-Language": "en"})
        assert response.status_code == bare.status_code
        assert response.headers["Location"] == bare.headers["Location"] == "/en/"
    # The address's code named no card: the form says so and keeps it for her to correct.
    client.get("/ZZZ-ZZZ", headers={"Accept-Language": "en"})
    page = client.get("/en/").get_data(as_text=True)
    assert "We do not recognise this code." in page and 'value="ZZZ-ZZZ"' in page
    # Typed into the form, it is refused in place, never silently sent to the coordinator.
    with_wrong = send_form(client, "/fr/", station="unknown", card_code="ZZZ-ZZZ")
    assert with_wrong.status_code == 400
    assert "Nous ne reconnaissons pas ce code." in html.unescape(with_wrong.get_data(as_text=True))
    # Emptied, the request goes without a code.
    without = send_form(client, "/fr/", station="unknown", card_code="")
    assert without.status_code == 303
    assert stored(app) == [(None, None)]
    # What no person types for a code is simply not a page.
    assert client.get("/%C3%A9t%C3%A9.php").status_code == 404
    # A wrong code sent with an invalid form gives the same errors as no code.
    errors = send_form(client, "/fr/", phone="nope", card_code="ZZZ-ZZZ")
    assert errors.status_code == 400 and "ZZZ" in errors.get_data(as_text=True)
    assert errors.get_data(as_text=True).count('class="error"') == 2


def test_guessing_codes_is_rate_limited(make_app: MakeApp) -> None:
    app = make_app(CARD_CODE_LIMITS="3 per minute")
    client = app.test_client()
    answers = [client.get(f"/ZZZ-ZZ{n}").status_code for n in range(4)]
    assert answers == [302, 302, 302, 429]
    assert client.get("/fr/c/ZZZ-ZZZ").status_code == 429  # the same count for both addresses
    assert "17" in client.get("/fr/c/ZZZ-ZZZ").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("k7m-2qx", "K7M2QX"), ("K7M2QX", "K7M2QX"), ("o0i1l1", "001111"), (" k7m 2qx ", "K7M2QX")],
)
def test_codes_are_read_forgivingly(typed: str, normal: str) -> None:
    assert card_codes.normalise(typed) == normal


@pytest.mark.parametrize("typed", ["", "K7M2Q", "K7M2QXA", "K7M-2QU", "ÉÉÉÉÉÉ", "x" * 500, None])
def test_anything_else_is_no_code(typed: str | None) -> None:
    assert card_codes.normalise(typed) is None


def test_new_codes_use_the_alphabet_and_tell_nothing(app: Flask) -> None:
    with app.app_context():
        station = db.session().query(Station).filter_by(code="roanne").one()
        codes = {current_batch(station, label=f"b{n}").short_code for n in range(20)}
        db.session().commit()
        ids = {str(b.id) for b in db.session().query(CardBatch)}
    assert len(codes) == 20
    assert all(len(c) == 6 and set(c) <= set(card_codes.ALPHABET) for c in codes)
    assert not any(c.isdigit() and c in ids for c in codes)


# --- The coordinator's pages ---


def test_the_coordinator_runs_stations_and_batches_from_her_pages(
    empty_app: Flask, make_staff_for: Callable[[Flask, str], StaffAccount], login_as: LoginAs
) -> None:
    admin = make_staff_for(empty_app, "admin")
    client = staff_browser(empty_app)
    login_as(client, admin)
    assert client.get("/staff/stations").status_code == 200
    token = csrf_token(client, "/staff/stations/new")
    form = {
        "code": "st-chamond", "name": "Commissariat de Saint-Chamond", "kind": "commissariat",
        "commune": "Saint-Chamond", "callback_number": "04 65 71 00 02",
        "calling_hours": "lun.–ven. 9 h–17 h", "csrf_token": token,
    }  # fmt: skip
    bad = client.post("/staff/stations/new", data={**form, "callback_number": "12"})
    assert bad.status_code == 400 and "Enter a phone number" in bad.get_data(as_text=True)
    created = client.post("/staff/stations/new", data=form)
    assert created.headers["Location"] == "/staff/stations/st-chamond"
    client.post(
        "/staff/stations/st-chamond/batches", data={"label": "Tirage 1", "csrf_token": token}
    )
    page = client.get("/staff/stations/st-chamond").get_data(as_text=True)
    link = found_in(r"<code>(https://rappel\.example\.fr/[^<]+)</code>", page)
    batch_id = int(found_in(r"/staff/batches/(\d+)/cards\.pdf", page))
    pdf = client.get(f"/staff/batches/{batch_id}/cards.pdf")
    assert pdf.mimetype == "application/pdf" and "attachment" in pdf.headers["Content-Disposition"]
    assert qr_codes(pdf.data, 2) == [link]
    client.post(f"/staff/batches/{batch_id}/replace", data={"csrf_token": token})
    page = client.get("/staff/stations/st-chamond").get_data(as_text=True)
    assert page.count("Revoked") == 1 and page.count("In use") == 1
    asked = client.post("/staff/stations/st-chamond/close", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Close Commissariat de Saint-Chamond?" in html.unescape(asked.get_data(as_text=True))
    with empty_app.app_context():
        assert db.session().query(Station).one().active is True  # asked first, nothing changed
    client.post("/staff/stations/st-chamond/close", data={"csrf_token": token, "confirmed": "1"})
    with empty_app.app_context():
        assert db.session().query(Station).one().active is False
        actions = [e.action for e in db.session().query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-5:] == [
        "station_create", "card_batch_create", "card_batch_revoke", "card_batch_create",
        "station_close",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["intervenant", "referrer", "partner"])
def test_only_the_coordinator_sees_stations(
    app: Flask, make_staff: MakeStaff, login_as: LoginAs, role: str
) -> None:
    client = staff_browser(app)
    login_as(client, make_staff(role))
    assert client.get("/staff/stations").status_code == 403
    assert client.get("/staff/batches/1/cards.pdf").status_code == 403


@pytest.fixture
def make_staff_for() -> Callable[[Flask, str], StaffAccount]:
    """Staff accounts in an app of the test's choosing (the `make_staff` factory uses `app`)."""

    def make(app: Flask, role: str) -> StaffAccount:
        secret = auth.new_totp_secret()
        with app.app_context():
            user = accounts.create_user(f"{role}-x", role, [])
            user.password_hash = staff_password_hash()
            user.totp_secret_enc = crypto.encrypt(secret)
            db.session().commit()
            return StaffAccount(user.id, user.username, role, STAFF_PASSWORD, secret)

    return make


def test_the_access_log_hides_short_codes() -> None:
    # In a process of its own: loading gunicorn's settings prepares that process for workers.
    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    paths = ["/k7m2qx", "/K7M-2QX", "/fr/c/K7M-2QX", "/healthz"]
    script = (
        "import json, runpy, sys; redact = runpy.run_path(sys.argv[1])['redact_path']; "
        "print(json.dumps([redact(p) for p in sys.argv[2:]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["/…", "/…", "/fr/c/…", "/healthz"]
