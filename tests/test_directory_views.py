"""The directory as people see it: the public page, the professionals' page, editing, safety."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_entry
from helpers.settings import app_config
from helpers.staff import staff_browser
from helpers.web import csrf_token
from sqlalchemy import select

from portal import create_app
from portal.core import db
from portal.directory import editing
from portal.models import AuditEvent, DirectoryEntry

LANGUAGES = create_app(app_config("sqlite://")).config["PUBLIC_LANGUAGES"]
SHELTER_SECRETS = ("impasse des Glycines", "42100")
# What only professionals may read: the numbers in every way they could be written.
PRO_ONLY = (
    "04 65 71 00 21",
    "+33465710021",
    "04 65 71 00 22",
    "+33465710022",
    "04 65 71 00 25",
    "+33465710025",
    "stage@example.org",
    "Stage de responsabilisation",
    "Sur prescription",
    "Par le 115 ou l",
    "Fiche de liaison",
    "Programmes for perpetrators",
)
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


def entry_id(app: Flask, uid: str) -> int:
    with app.app_context():
        found = stored_entry(uid)
        assert found is not None
        return found.id


# --- The public page --------------------------------------------------------------------------


def test_national_numbers_come_first_with_what_they_are_for(
    directory: Flask, client: FlaskClient
) -> None:
    page = text(client.get("/en/directory"))
    first_entry = page.index('<article class="entry">')
    for href in ("tel:17", "tel:112", "sms:114", "tel:3919", "tel:116006", "tel:119", "tel:115"):
        assert 0 < page.index(f'href="{href}"') < first_entry, href
    assert "Emergency by text message" in page
    assert page.index('href="tel:17"') < page.index('href="tel:112"') < page.index('href="sms:114"')


def test_public_entries_with_tap_to_call_links(directory: Flask, client: FlaskClient) -> None:
    page = text(client.get("/fr/directory"))
    number = '<bdi dir="ltr" class="phone">04\u00a065\u00a071\u00a000\u00a023</bdi>'
    assert f'<a class="tel" href="tel:+33465710023">{number}</a>' in page
    assert "Point-justice de Roanne (démo)" in page
    assert "Maison d&#39;accueil (démo)" in page
    assert "data-exit" in page  # the public layout, with its quick-exit link


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("category=legal", ["Point-justice"], ["Association d&#39;aide", "Police secours"]),
        (
            "commune=Saint-Chamond",
            ["Association d&#39;aide", "Maison d&#39;accueil", "3919"],
            ["Point-justice"],
        ),
        ("language=tr", ["Association d&#39;aide"], ["Point-justice", "Maison d&#39;accueil"]),
        (
            "category=victim_support&commune=Roanne&language=tr",
            ["Association d&#39;aide"],
            ["France Victimes – 116 006"],
        ),
    ],
)
def test_filters(
    directory: Flask, client: FlaskClient, query: str, present: list[str], absent: list[str]
) -> None:
    page = text(client.get(f"/en/directory?{query}"))
    cards = page.split('<h2 id="local">', 1)[1]
    for name in present:
        assert name in cards, name
    for name in absent:
        assert f'<h3 dir="auto">{name}' not in cards, name
    assert "selected>" in cards  # the form shows what was chosen


@pytest.mark.parametrize(
    "query", ["category=perpetrators", "commune=Nowhere", "language=zz", "page=abc", "page=99999"]
)
def test_odd_filter_values_are_ignored(directory: Flask, client: FlaskClient, query: str) -> None:
    page = text(client.get(f"/fr/directory?{query}"))
    assert "Stage de responsabilisation" not in page
    assert "Point-justice de Roanne (démo)" in page


def test_the_filters_work_without_javascript(directory: Flask, client: FlaskClient) -> None:
    page = text(client.get("/en/directory"))
    assert '<form class="dir-filters" method="get" action="/en/directory">' in page
    for name in ("category", "commune", "language"):
        assert f'name="{name}"' in page
    assert '<button type="submit" class="primary">' in page


def test_long_lists_are_paginated(directory: Flask, client: FlaskClient) -> None:
    with directory.app_context():
        for i in range(20):
            editing.create_entry(
                {
                    "name": f"Extra service {i:02}",
                    "category": "social",
                    "visibility": "public",
                    "fees": "gratuit",
                },
                None,
            )
        db.session().commit()
    first = text(client.get("/en/directory"))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = text(client.get("/en/directory?page=2"))
    assert "Page 2 of 2" in second
    shown = [f"Extra service {i:02}" for i in range(20)]
    assert all((name in first) != (name in second) for name in shown)


def _load_page_weight() -> Any:
    path = Path(__file__).resolve().parent.parent / "bench" / "page_weight.py"
    spec = importlib.util.spec_from_file_location("page_weight", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("page_weight", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_with_the_demo_data_fits_one_tcp_window(
    directory: Flask, client: FlaskClient, lang: str
) -> None:
    weight_of = _load_page_weight()
    page = text(client.get(f"/{lang}/directory"))
    assert "Association d&#39;aide aux victimes (démo)" in page
    weight = weight_of.measure(page, Path(directory.static_folder or ""))
    assert weight.assets_gzip > 0
    assert weight.total <= 14_600, weight.total
    assert weight.external == [], "the public page names another site"
    assert len(weight.requests) <= 3


# --- What the public never sees ----------------------------------------------------------------


def _public_pages(client: FlaskClient) -> list[str]:
    pages = []
    for lang in LANGUAGES:
        for query in (
            "",
            "?category=housing",
            "?category=perpetrators",
            "?commune=Roanne",
            "?language=fr",
            "?page=2",
        ):
            pages.append(text(client.get(f"/{lang}/directory{query}")))
        pages.append(text(client.get(f"/{lang}/help")))
    return pages


def test_professional_fields_and_entries_never_reach_a_public_page(
    directory: Flask, client: FlaskClient
) -> None:
    for page in _public_pages(client):
        for secret in PRO_ONLY + SHELTER_SECRETS:
            assert secret not in page, secret


def test_a_public_entry_made_professional_or_hidden_leaves_the_public_page(
    directory: Flask, client: FlaskClient
) -> None:
    with directory.app_context():
        stored_entry("demo-legal-aid").visibility = "professionals"
        stored_entry("demo-victim-support").hidden = True
        db.session().commit()
    page = text(client.get("/fr/directory"))
    assert "Point-justice" not in page and "Association d&#39;aide" not in page


@pytest.mark.parametrize("role", ["partner", "intervenant", "admin"])
def test_professionals_see_their_lines_but_never_a_shelter_address(
    directory: Flask, staff: Callable[[str], FlaskClient], role: str
) -> None:
    client = staff(role)
    # Numbers are grouped by no-break spaces, as on every page.
    page = text(client.get("/staff/directory")).replace("\u00a0", " ")
    shown = (
        "Stage de responsabilisation",
        "04 65 71 00 22",
        "stage@example.org",
        "Sur prescription du parquet",
        "04 65 71 00 21",
        "Professionals only",
    )
    for line in shown:
        assert line in page, line
    for download in ("csv", "json"):
        exported = text(client.get(f"/staff/directory/export?format={download}"))
        assert "Stage de responsabilisation" in exported
        for secret in SHELTER_SECRETS:
            assert secret not in exported, secret
    for secret in SHELTER_SECRETS:
        assert secret not in page, secret


def test_only_the_admin_edit_form_shows_a_confidential_address(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    admin = staff("admin")
    shelter = entry_id(directory, "demo-shelter")
    form = text(admin.get(f"/staff/directory/{shelter}/edit"))
    assert 'value="12 impasse des Glycines"' in form
    for path in (
        "/staff/directory",
        "/staff/directory?hidden=1",
        "/staff/directory/recheck",
        "/staff/audit",
        "/staff/directory/export?format=json",
    ):
        page = text(admin.get(path))
        for secret in SHELTER_SECRETS:
            assert secret not in page, (path, secret)


# --- Access ------------------------------------------------------------------------------------


def test_access_to_the_professionals_directory(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    anonymous = staff_browser(directory).get("/staff/directory")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith("/staff/login")
    assert staff("referrer").get("/staff/directory").status_code == 403
    entry = entry_id(directory, "demo-legal-aid")
    editing = ("/staff/directory/new", f"/staff/directory/{entry}/edit", "/staff/directory/recheck")
    for role in ("partner", "intervenant"):
        client = staff(role)
        assert client.get("/staff/directory").status_code == 200
        for path in editing:
            assert client.get(path).status_code == 403, (role, path)
        token = csrf_token(client, "/staff/login")
        for action in ("verify", "hide", "show"):
            url = f"/staff/directory/{entry}/{action}"
            assert client.post(url, data={"csrf_token": token}).status_code == 403
    admin = staff("admin")
    for path in ("/staff/directory", *editing):
        assert admin.get(path).status_code == 200, path


def test_partners_see_the_directory_in_their_menu_and_nothing_else(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    home = text(staff("partner").get("/staff/"))
    menu = home.split('aria-label="Main menu"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/staff/directory"' in menu
    assert menu.count("<li>") == 1


# --- Editing -----------------------------------------------------------------------------------

VALID_ENTRY = {
    "name": "Centre d'information sur les droits (test)",
    "category": "legal",
    "description": "Information juridique.",
    "fees": "gratuit",
    "visibility": "public",
    "reception": "walk_in",
    "phone": "04 65 71 00 40",
    "website": "https://example.org/cidff",
    "opening_hours": "Mo-Fr 09:00-17:00; Sa 09:00-12:00",
    "communes": "Firminy, Roanne",
    "languages": "fr, es",
    "publics": ["femmes"],
    "modes_accueil": ["en-presentiel"],
    "mobilisable_par": ["usagers"],
    "pro_phone": "04 65 71 00 41",
}


def _post_entry(client: FlaskClient, path: str, **changes: Any) -> Any:
    data = {**VALID_ENTRY, **changes, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


def test_the_admin_adds_edits_verifies_and_hides_an_entry(
    directory: Flask, staff: Callable[[str], FlaskClient], client: FlaskClient
) -> None:
    admin = staff("admin")
    refused = _post_entry(
        admin,
        "/staff/directory/new",
        phone="12",
        website="javascript:alert(1)",
        opening_hours="tous les jours",
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Enter a French phone number" in page
    assert "Enter a web address starting with https://" in page
    assert "OpenStreetMap format" in page
    created = _post_entry(admin, "/staff/directory/new")
    assert created.status_code == 303
    with directory.app_context():
        entry = (
            db.session()
            .scalars(
                select(DirectoryEntry).where(DirectoryEntry.name.startswith("Centre d'information"))
            )
            .one()
        )
        assert (entry.phone, entry.communes, entry.languages) == (
            "+33465710040",
            ["Firminy", "Roanne"],
            ["fr", "es"],
        )
    public = text(client.get("/en/directory?language=es"))
    assert "Centre d&#39;information sur les droits (test)" in public
    assert "04 65 71 00 41" not in public.replace("\u00a0", " ")
    edit = f"/staff/directory/{entry.id}/edit"
    assert _post_entry(admin, edit, name="Centre renommé (test)").status_code == 303
    assert "Centre renommé (test)" in text(client.get("/en/directory"))
    token = csrf_token(admin, "/staff/directory")
    hidden = admin.post(f"/staff/directory/{entry.id}/hide", data={"csrf_token": token})
    assert hidden.status_code == 303
    assert "Centre renommé" not in text(client.get("/en/directory"))
    assert "Centre renommé" not in text(staff("intervenant").get("/staff/directory"))
    assert "Centre renommé" in text(admin.get("/staff/directory?hidden=1"))
    with directory.app_context():
        actions = (
            db.session()
            .scalars(select(AuditEvent.action).where(AuditEvent.target == f"directory:{entry.uid}"))
            .all()
        )
    assert actions == ["directory.create", "directory.update", "directory.hide"]


def test_missing_entries_are_not_found(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    admin = staff("admin")
    assert admin.get("/staff/directory/999999/edit").status_code == 404
    assert admin.get("/staff/directory/export?format=xml").status_code == 404


# --- Escaping ----------------------------------------------------------------------------------

TEXT_FIELDS = ("name", "description", "address", "commune", "accessibility", "referral_procedure")


@pytest.mark.parametrize("payload", XSS)
def test_markup_typed_into_any_text_field_is_shown_as_text(
    directory: Flask, staff: Callable[[str], FlaskClient], client: FlaskClient, payload: str
) -> None:
    admin = staff("admin")
    fields = {name: f"{name} {payload}" for name in TEXT_FIELDS}
    response = _post_entry(
        admin, "/staff/directory/new", communes=f"Firminy, {payload}", thematiques="", **fields
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;")
    pages = {
        "public": text(client.get("/en/directory")),
        "staff": text(admin.get("/staff/directory")),
        "edit": text(admin.get(response.headers["Location"])),
        "recheck": text(admin.get("/staff/directory/recheck")),
    }
    for where, page in pages.items():
        assert payload not in page, where
        assert "<img src=x" not in page and "<script>alert" not in page, where
        assert escaped in page or escaped.replace("&#34;", "&quot;") in page, where
    public_shown = ("name", "description", "address", "commune", "accessibility")
    for name in public_shown:
        assert f"{name} {escaped}" in pages["public"], name
    assert "referral_procedure" not in pages["public"]
    assert f"referral_procedure {escaped}" in pages["staff"]


def test_without_the_database_the_national_numbers_still_show(tmp_path: Path) -> None:
    url = f"sqlite:///file:{tmp_path / 'missing.sqlite3'}?mode=ro&uri=true"
    page = text(create_app(app_config(url)).test_client().get("/en/directory"))
    assert 'href="tel:17"' in page and 'href="sms:114"' in page and 'href="tel:3919"' in page
    assert "The list of local services cannot be shown right now." in page
