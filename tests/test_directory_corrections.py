"""The directory for partners: a words search, and corrections that the coordinator accepts or
refuses."""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from helpers.factories import stored_entry
from helpers.web import csrf_token
from sqlalchemy import select

from portal.core import db
from portal.directory.corrections import CORRECTABLE
from portal.models import AuditEvent, DirectoryCorrection

SHELTER_SECRETS = ("impasse des Glycines", "42100")


def names(client: FlaskClient, query: str) -> list[str]:
    page = client.get(f"/staff/directory?{query}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    return [n for n in ("Point-justice de Roanne", "Association d'aide aux victimes") if n in text]


def test_search_by_words_category_and_commune(staff: Callable[[str], FlaskClient]) -> None:
    partner = staff("partner")
    assert names(partner, "q=avocats") == ["Point-justice de Roanne"]
    # Without case or accents, every word counted, across name, description and communes.
    assert names(partner, "q=ECOUTE+plainte") == ["Association d'aide aux victimes"]
    assert names(partner, "q=chamond") == ["Association d'aide aux victimes"]
    assert names(partner, "q=avocats+plainte") == []
    assert names(partner, "q=roanne&category=legal") == ["Point-justice de Roanne"]
    assert names(partner, "q=roanne&commune=Roanne") == [
        "Point-justice de Roanne",
        "Association d'aide aux victimes",
    ]
    # A shelter's confidential address is not searched.
    assert "Maison d&#39;accueil" not in partner.get("/staff/directory?q=Glycines").get_data(
        as_text=True
    )
    assert partner.get("/staff/directory?q=" + "x" * 5000).status_code == 200


class FormValues(HTMLParser):
    """The values a browser would send back from a form's inputs and text areas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._area: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.values[found["name"] or ""] = found.get("value") or ""
        if tag == "textarea":
            self._area = found.get("name")
            self.values[self._area or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._area:
            self.values[self._area] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._area = None


def propose(client: FlaskClient, entry_id: int, **fields: str) -> Any:
    """Open the correction form, change some fields, send it as a browser would."""
    page = f"/staff/directory/{entry_id}/correction"
    form = client.get(page).get_data(as_text=True)
    assert "Propose a correction" in form
    parser = FormValues()
    parser.feed(form)
    values = {k: v.lstrip("\n") for k, v in parser.values.items() if k != "q"}
    return client.post(page, data={**values, **fields})


def current(directory: Flask, uid: str, name: str) -> Any:
    with directory.app_context():
        return getattr(stored_entry(uid), name)


def entry_id(directory: Flask, uid: str) -> int:
    with directory.app_context():
        return stored_entry(uid).id


def test_a_partner_proposes_and_the_coordinator_accepts_or_refuses(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    partner, admin = staff("partner"), staff("admin")
    legal = entry_id(directory, "demo-legal-aid")
    assert f"/staff/directory/{legal}/correction" in partner.get("/staff/directory").get_data(
        as_text=True
    )
    refused = propose(partner, legal, phone="12")
    assert refused.status_code == 400
    assert "Enter a French phone number" in refused.get_data(as_text=True)
    unchanged = propose(partner, legal)
    assert unchanged.status_code == 400
    sent = propose(
        partner,
        legal,
        phone="04 65 71 00 99",
        note="Nouveau standard depuis janvier",
    )
    assert sent.status_code == 303
    # Nothing changes until the coordinator decides.
    assert current(directory, "demo-legal-aid", "phone") == "+33465710023"
    review = html.unescape(admin.get("/staff/directory/corrections").get_data(as_text=True))
    assert "Point-justice de Roanne" in review and "Nouveau standard depuis janvier" in review
    assert "+33465710099" in review
    [correction_id] = ids(directory)
    token = csrf_token(admin, "/staff/directory/corrections")
    accepted = admin.post(
        f"/staff/directory/corrections/{correction_id}/accept", data={"csrf_token": token}
    )
    assert accepted.status_code == 303
    assert current(directory, "demo-legal-aid", "phone") == "+33465710099"
    again = admin.post(
        f"/staff/directory/corrections/{correction_id}/refuse", data={"csrf_token": token}
    )
    assert "already decided" in admin.get(again.headers["Location"]).get_data(as_text=True)
    # A second proposal, refused: the entry stays as it is.
    propose(partner, legal, website="https://example.org/autre")
    [second] = [i for i in ids(directory) if i != correction_id]
    admin.post(f"/staff/directory/corrections/{second}/refuse", data={"csrf_token": token})
    assert current(directory, "demo-legal-aid", "website") == "https://example.org/point-justice"
    with directory.app_context():
        actions = (
            db.session()
            .scalars(
                select(AuditEvent.action).where(AuditEvent.target == "directory:demo-legal-aid")
            )
            .all()
        )
    assert actions == [
        "directory.create",
        "directory.propose",
        "directory.update",
        "directory.accept",
        "directory.propose",
        "directory.refuse",
    ]
    words = [line for line in admin.get("/staff/audit").get_data(as_text=True).split("<tr>")]
    assert any("accepted a correction to Point-justice de Roanne" in w for w in words)


def ids(directory: Flask) -> list[int]:
    with directory.app_context():
        return list(db.session().scalars(select(DirectoryCorrection.id)))


def test_a_shelter_address_is_neither_shown_nor_correctable(
    directory: Flask, staff: Callable[[str], FlaskClient]
) -> None:
    partner = staff("partner")
    shelter = entry_id(directory, "demo-shelter")
    page = partner.get(f"/staff/directory/{shelter}/correction").get_data(as_text=True)
    for secret in SHELTER_SECRETS:
        assert secret not in page
    assert 'name="address"' not in page and 'name="phone"' in page
    propose(partner, shelter, address="1 rue Visible", note="Adresse")
    with directory.app_context():
        [correction] = db.session().scalars(select(DirectoryCorrection)).all()
        assert "address" not in correction.changes
    assert set(CORRECTABLE) >= {"phone", "pro_phone", "opening_hours"}


def test_only_the_coordinator_decides(staff: Callable[[str], FlaskClient]) -> None:
    for role in ("partner", "intervenant"):
        client = staff(role)
        assert client.get("/staff/directory/corrections").status_code == 403
