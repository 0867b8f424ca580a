"""Every public page, in every language, loads in one TCP window from at most three requests and
never names another site. Sizes are gzip(9) of the bytes served, so the result is deterministic."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.settings import app_config

from portal import create_app
from portal.core import db
from portal.core.i18n import locale_of
from portal.stations.cards import card_code, current_batch
from portal.stations.registry import station_by_code

BENCH = Path(__file__).resolve().parent.parent / "bench" / "page_weight.py"
_spec = importlib.util.spec_from_file_location("page_weight", BENCH)
assert _spec and _spec.loader
page_weight = importlib.util.module_from_spec(_spec)
sys.modules["page_weight"] = page_weight
_spec.loader.exec_module(page_weight)

LANGUAGES = create_app(app_config("sqlite://")).config["PUBLIC_LANGUAGES"]
# What proves each page is the one meant, and not an error page of the same weight.
MARKERS = {
    "form": 'name="station"',
    "card form": 'name="phone"',
    "cancel": 'name="code"',
    "help": 'href="tel:3919"',
    "directory": 'href="tel:116006"',
    "privacy": "dpo@loire.fr",
    "accessibility": "RGAA",
    "not found": 'href="tel:17"',
    "form with every error": "error-summary",
    "sent (urgent)": 'class="code"',
}


@pytest.fixture
def pages(app: Flask, client: FlaskClient) -> Callable[[str], list[tuple[str, str]]]:
    with app.app_context():
        batch = current_batch(station_by_code("firminy"))
        db.session().commit()
        code = card_code(batch)

    def visit(lang: str) -> list[tuple[str, str]]:
        return list(page_weight.public_pages(client, code, lang))

    return visit


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_fits_the_budget(
    app: Flask, pages: Callable[[str], list[tuple[str, str]]], lang: str
) -> None:
    static = Path(app.static_folder or "")
    visited = pages(lang)
    assert {name for name, _html in visited} == set(MARKERS)
    for name, html in visited:
        assert MARKERS[name] in html, f"{name} ({lang}) is not the page meant"
        assert f'<html lang="{locale_of(lang)}"' in html
        weight = page_weight.measure(html, static)
        assert weight.assets_gzip > 0, "stylesheet and script were not measured"
        assert weight.total <= page_weight.BUDGET_BYTES, f"{name} ({lang}): {weight.total} B"
        assert len(weight.requests) <= page_weight.MAX_REQUESTS, f"{name}: {weight.requests}"
        assert weight.favicon is not None and weight.favicon.startswith("data:"), name
        assert weight.external == [], f"{name} ({lang}) names another site: {weight.external}"


def test_every_subresource_is_served(app: Flask, client: FlaskClient) -> None:
    html = client.get("/fr/").get_data(as_text=True)
    weight = page_weight.measure(html, Path(app.static_folder or ""))
    for url in weight.requests[1:]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Request-OTR" in response.headers


def test_measure_counts_what_a_browser_would_fetch(tmp_path: Path) -> None:
    (tmp_path / "portal.css").write_text("body{background:url(/static/bg.png)}")
    html = (
        '<link rel="stylesheet" href="/static/portal.css">'
        '<script src="https://cdn.example/x.js"></script>'
        '<a href="https://elsewhere.example/">x</a><a data-exit href="https://meteo.example/">y</a>'
    )
    weight = page_weight.measure(html, tmp_path)
    assert weight.requests == [
        "(the page)",
        "/static/portal.css",
        "/static/bg.png",
        "https://cdn.example/x.js",
        "/favicon.ico",
    ]
    assert weight.external == ["https://cdn.example/x.js", "https://elsewhere.example/"]
    assert weight.assets_gzip > 0
