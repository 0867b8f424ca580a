"""The wheel built from the repository runs on its own: installed into a fresh environment outside
the checkout, it finds its templates, compiled catalogues, static files and migrations."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from helpers.production import free_port, get, scratch_postgres
from helpers.settings import PRODUCTION_SETTINGS, TEST_DATABASE_URL, needs_postgres, production_env
from helpers.wheel import build_wheel, fresh_venv
from markupsafe import escape

from portal.core.config import new_keys

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

    # No folder named for the keys: nothing is generated inside the environment.
    refused = subprocess.run(
        [str(python), "-m", "flask", "--app", "portal", "init-db"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "PORTAL_INSTANCE_PATH" in refused.stderr
    assert not (tmp_path / "venv" / "var" / "portal-instance" / "keys.json").exists()
    env["PORTAL_INSTANCE_PATH"] = str(tmp_path / "instance")
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
    # Keys were generated into the folder the operator named, never into the environment.
    assert (tmp_path / "instance" / "keys.json").exists()
    assert not (tmp_path / "venv" / "var" / "portal-instance" / "keys.json").exists()


@needs_postgres()
def test_the_installed_wheel_on_an_empty_postgresql_refuses_fiction_then_waits_for_its_schema(
    tmp_path: Path,
) -> None:
    """As an operator would: the wheel in a fresh environment, run from elsewhere, gunicorn on an
    empty PostgreSQL database."""
    assert TEST_DATABASE_URL
    python = fresh_venv(tmp_path, build_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    keys = new_keys()
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_wheel_") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON"))}
        env.update(
            PORTAL_DATABASE_URL=url,
            PORTAL_SECRET_KEY=keys["SECRET_KEY"],
            PORTAL_CARD_KEY=keys["CARD_KEY"],
            PORTAL_BLIND_INDEX_KEY=keys["BLIND_INDEX_KEY"],
            PORTAL_DATA_KEYS=",".join(keys["DATA_KEYS"]),
            **production_env(),
        )
        del env["PORTAL_COORDINATOR_PHONE"]
        port = free_port()
        serve = [str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
        serve += ["--no-control-socket", "--workers", "1", "portal:create_app()"]
        refused = subprocess.run(
            serve, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
        )
        assert refused.returncode != 0
        assert "PORTAL_COORDINATOR_PHONE" in refused.stderr
        env["PORTAL_COORDINATOR_PHONE"] = PRODUCTION_SETTINGS["COORDINATOR_PHONE"]
        with open(tmp_path / "gunicorn.log", "wb") as log:
            server = subprocess.Popen(serve, cwd=elsewhere, env=env, stdout=log, stderr=log)
        try:
            assert wait_for(port, "/livez") == 200
            before = get(port, "/healthz")
            assert before.status == 503 and json.loads(before.body)["checks"]["schema"] == "missing"
            init = subprocess.run(
                [str(python), "-m", "flask", "--app", "portal", "init-db"],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert init.returncode == 0, init.stderr
            assert get(port, "/healthz").status == 200
        finally:
            server.terminate()
            server.wait(timeout=20)


def wait_for(port: int, path: str, seconds: float = 30.0) -> int:
    """The status of the first answer the server gives to this path."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return get(port, path, timeout=5).status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered {path} in {seconds} s")
