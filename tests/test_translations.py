"""Every marked string is in the catalogues, and every catalogue translates all of them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from helpers.web import found_in

from portal.core.config import DEFAULTS
from portal.core.i18n import catalogue_of, locale_of

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CATALOGUES = {
    "public": ("babel.cfg", ROOT / "translations", DEFAULTS["PUBLIC_LANGUAGES"]),
    "staff": ("babel-staff.cfg", ROOT / "staff_translations", DEFAULTS["STAFF_LANGUAGES"]),
}

# Which catalogues, their folder, their languages, and the strings marked in the code now.
Extracted = tuple[str, Path, list[str], set[str]]


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def extracted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Extracted:
    """The strings marked in the code now, extracted as the Makefile does."""
    config, folder, languages = CATALOGUES[request.param]
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            config,
            "--no-location",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    ids = _message_ids(_read(pot))
    return str(request.param), folder, list(languages), ids


def _message_ids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if isinstance(m.id, str) and m.id}


def test_the_template_matches_the_code(extracted: Extracted) -> None:
    name, folder, _languages, ids = extracted
    template = _message_ids(_read(folder / "messages.pot"))
    assert ids - template == set(), f"{name}: strings not extracted yet (run `make extract`)"
    assert template - ids == set(), f"{name}: stale strings in messages.pot (run `make extract`)"


def test_every_catalogue_translates_every_string(extracted: Extracted) -> None:
    name, folder, languages, ids = extracted
    for lang in languages:
        catalog = _read(folder / catalogue_of(lang) / "LC_MESSAGES" / "messages.po")
        assert not catalog.fuzzy, f"{name}/{lang}: the catalogue header is fuzzy"
        done = set()
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            strings = (
                [message.string] if isinstance(message.string, str) else list(message.string or ())
            )
            if all(strings):
                done.add(message.id)
        missing = sorted(map(str, ids - done))
        assert not missing, f"{name}/{lang}: {len(missing)} untranslated, e.g. {missing[:3]}"


def test_translations_keep_every_placeholder(extracted: Extracted) -> None:
    name, folder, languages, _ids = extracted
    for lang in languages:
        for message in _read(folder / catalogue_of(lang) / "LC_MESSAGES" / "messages.po"):
            if not message.id or not message.string:
                continue
            source = [message.id] if isinstance(message.id, str) else list(message.id)
            wanted = set().union(*(PLACEHOLDER.findall(s) for s in source))
            strings = (
                [message.string] if isinstance(message.string, str) else list(message.string or ())
            )
            for text in strings:
                # A plural form may leave the count out ("one service"), never add a name.
                found = set(PLACEHOLDER.findall(text))
                assert found <= wanted, f"{name}/{lang}: {message.id!r} -> {text!r}"
                if not isinstance(message.id, tuple):
                    assert found == wanted, f"{name}/{lang}: {message.id!r} -> {text!r}"


@pytest.mark.parametrize("lang", DEFAULTS["PUBLIC_LANGUAGES"])
def test_each_public_page_speaks_its_language(client: FlaskClient, lang: str) -> None:
    """The form really is translated: its title differs from the English one except in English;
    a variant (easy-to-read French) is marked as its base language."""
    page = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{locale_of(lang)}"' in page
    english = client.get("/en/").get_data(as_text=True)
    heading = found_in(r"<h1>(.*?)</h1>", page)
    if lang != "en":
        assert heading != found_in(r"<h1>(.*?)</h1>", english)


def test_every_catalogue_folder_is_a_public_language() -> None:
    """A catalogue added under translations/ is configured and checked, never left aside."""
    folders = {p.parent.parent.name for p in (ROOT / "translations").glob("*/LC_MESSAGES/*.po")}
    assert folders == {catalogue_of(lang) for lang in DEFAULTS["PUBLIC_LANGUAGES"]}
