"""The wheel built from the repository runs on its own: installed into a fresh environment outside
the checkout, it finds its templates, compiled catalogues, static files and migrations."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from helpers.wheel import build_wheel, fresh_venv
from markupsafe import escape

ROOT = Path(__file__).resolve().parent.parent

# Run inside the installed package: each path as a browser would open it, redirects followed.
PROBE = """
import json, sys
import portal
from portal import create_app

client = create_app().test_client()
pages = {}
for path in sys.argv[1:]:
    answer = client.get(path, headers={"Accept-Language": "fr"}, follow_redirects=True)
    pages[path] = {"status": answer.status_code, "body": answer.get_data(as_text=True)}
print(json.dumps({"package": portal.__file__, "pages": pages}))
"""

pytestmark = pytest.mark.package


def translation(folder: str, lang: str, msgid: str) -> str:
    """The catalogue's translation of msgid, as a template writes it out."""
    path = ROOT / folder / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        message = read_po(po).get(msgid)
    assert message is not None and message.string, f"{msgid!r} untranslated in {path}"
    return str(escape(message.string))


def test_the_installed_wheel_serves_every_kind_of_page(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    python = fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON"))}
    env["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'portal.sqlite3'}"

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(python), *args], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("-m", "flask", "--app", "portal", "init-db")
    run("-m", "flask", "--app", "portal", "demo")
    link = run("-m", "flask", "--app", "portal", "card-link", "firminy").strip()
    card = urlsplit(link).path
    assert len(card) == len("/K7M-2QX") and card[4] == "-"  # the short address on the cards
    pdf = tmp_path / "cards.pdf"
    run(
        "-m", "flask", "--app", "portal", "card-batch", "firminy", "--label", "x", "--pdf", str(pdf)
    )
    assert pdf.read_bytes().startswith(b"%PDF")  # fonts and shaping come with the wheel's deps

    paths = ["/fr/", "/ar/", "/staff/login", card, "/static/portal.css"]
    probe = json.loads(run("-c", PROBE, *paths))
    assert Path(probe["package"]).is_relative_to(tmp_path / "venv")
    pages = probe["pages"]
    assert {path: page["status"] for path, page in pages.items()} == dict.fromkeys(paths, 200)
    assert translation("translations", "fr", "Ask to be called back") in pages["/fr/"]["body"]
    assert translation("translations", "ar", "Ask to be called back") in pages["/ar/"]["body"]
    assert 'dir="rtl"' in pages["/ar/"]["body"]
    assert translation("staff_translations", "fr", "Log in") in pages["/staff/login"]["body"]
    assert translation("translations", "fr", "Ask to be called back") in pages[card]["body"]
    assert 'name="station"' not in pages[card]["body"]
    # Keys were generated into the installed package's instance folder, not into the checkout.
    assert (tmp_path / "venv" / "var" / "portal-instance" / "keys.json").exists()
