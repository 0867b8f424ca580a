"""docs/deploy.md and README's "Going live" are tests: their files written and their shell
blocks run as written, in order, on an empty PostgreSQL cluster, outside the checkout, into a fresh
environment holding the wheel. The coordinator takes her invitation, a person sends a request
through the printed card address, it reaches the queue, and it survives a backup and its restore."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from helpers.guide import (
    Block,
    Server,
    blocks,
    sandbox_folder,
    section,
    without_test_settings,
)
from helpers.pg_cluster import Cluster, give_to_owner
from helpers.production import Answer, free_port, request
from helpers.settings import TEST_REDIS_URL, needs_postgres
from helpers.web import CSRF_RE
from helpers.wheel import ROOT, build_wheel, dependencies_folder

SITE = "rappel.example.fr"
# What nginx adds before passing a request on (PORTAL_TRUSTED_PROXIES=1).
THROUGH_NGINX = {"Host": SITE, "X-Forwarded-Proto": "https", "Accept-Language": "fr"}
NEW_PASSWORD = "une phrase calme pour le bureau du département"
# About 1 minute on a quiet machine (each command starts Python and the portal); bounded well
# beyond that so that a machine shared with other work does not fail it.
BUDGET_SECONDS = 600

pytestmark = [needs_postgres()]


@pytest.fixture
def sandbox() -> Iterator[Path]:
    yield from sandbox_folder()


def database_host(sandbox: Path) -> Cluster:
    """A Debian-like PostgreSQL 15: its data directory and conf.d where the guide says, with TLS."""
    conf_d = sandbox / "etc" / "postgresql" / "15" / "main" / "conf.d"
    conf_d.mkdir(parents=True)
    for folder in (conf_d, conf_d.parent):
        give_to_owner(folder)
    cluster = Cluster(sandbox / "var" / "lib" / "postgresql" / "15" / "main")
    cluster.init(f"include_dir = '{conf_d}'", "ssl = on")
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=db.internal", "-keyout", str(cluster.data / "server.key")]
        + ["-out", str(cluster.data / "server.crt")],
        check=True,
        capture_output=True,
    )
    (cluster.data / "server.key").chmod(0o600)
    for name in ("server.key", "server.crt"):
        give_to_owner(cluster.data / name)
    # The backup host's folder, where the database host's account may add files.
    store = sandbox / "srv" / "backups" / "portal"
    store.mkdir(parents=True)
    give_to_owner(store)
    return cluster


@pytest.fixture
def server(sandbox: Path) -> Iterator[tuple[Server, Cluster, int]]:
    if not TEST_REDIS_URL:
        pytest.fail("PORTAL_TEST_REDIS_URL must name a Redis database")
    for tool in ("age", "rsync", "openssl", "psql", "curl"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is needed (apt-get install {tool})")
    cluster = database_host(sandbox)
    cluster.start()
    app_port = free_port()
    replacements = [
        ("redis://:CHANGE-ME@db.internal:6379/0", TEST_REDIS_URL),
        ("db.internal:5432", f"127.0.0.1:{cluster.port}"),
        ("127.0.0.1:8000", f"127.0.0.1:{app_port}"),
        ("portal-backup@backup.internal:/srv/backups/portal", "/srv/backups/portal"),
    ]
    environment = {
        **without_test_settings(),
        "STAND_IN_PGPORT": str(cluster.port),
        "STAND_IN_PGBIN": str(cluster.bin),
        "STAND_IN_DEPENDENCIES": dependencies_folder(),
    }
    machine = Server(sandbox, replacements, environment)
    try:
        yield machine, cluster, app_port
    finally:
        machine.stop_services()
        if cluster.running():
            cluster.stop("immediate")


def through_nginx(
    port: int,
    method: str,
    path: str,
    cookie: str = "",
    body: str = "",
    direct: dict[str, str] | None = None,
) -> Answer:
    """What gunicorn receives from nginx (or, with `direct`, from a browser on this machine)."""
    headers = {**THROUGH_NGINX, "X-Forwarded-For": "198.51.100.23"}
    if direct is not None:
        headers = {"Accept-Language": "fr", **direct}
    if cookie:
        headers["Cookie"] = cookie
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return request(port, method, path, body=body or None, headers=headers)


def cookie_of(answer: Answer, kept: str = "") -> str:
    found = answer.headers.get("set-cookie", "").split(";", 1)[0]
    return found or kept


def path_of(address: str) -> str:
    return urllib.parse.urlsplit(address).path


def accept_invitation(port: int, link: str) -> str:
    """The coordinator opens her link, adds the key to her app, chooses her password."""
    page = through_nginx(port, "GET", path_of(link))
    assert page.status == 200, page.body[:500]
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.body)
    token = CSRF_RE.search(page.body)
    assert secret and token
    fields = {
        "csrf_token": token.group(1),
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "code": pyotp.TOTP(secret.group(1)).now(),
    }
    done = through_nginx(
        port, "POST", path_of(link), cookie_of(page), urllib.parse.urlencode(fields)
    )
    assert done.status == 303 and path_of(done.location) == "/staff/login", done.body[:800]
    return secret.group(1)


def send_through_card(port: int, card: str, direct: dict[str, str] | None = None) -> None:
    """A person opens the address printed on her card and asks to be called back."""
    address = path_of(card)
    answer = through_nginx(port, "GET", address, direct=direct)
    cookie = cookie_of(answer)
    while answer.status in (301, 302, 303):
        address = path_of(answer.location)
        answer = through_nginx(port, "GET", address, cookie, direct=direct)
        cookie = cookie_of(answer, cookie)
    assert answer.status == 200 and 'name="station"' not in answer.body, answer.body[:500]
    token = CSRF_RE.search(answer.body)
    assert token
    time.sleep(2.2)  # as long as a person takes, at least: the time trap's production setting
    fields = [
        ("csrf_token", token.group(1)),
        ("phone", "06 12 34 56 78"),
        ("name", "Sam"),
        ("windows", "10:00-12:00"),
        ("call_language", "fr"),
        ("danger", "no"),
        ("consent", "y"),
    ]
    sent = through_nginx(port, "POST", address, cookie, urllib.parse.urlencode(fields), direct)
    assert sent.status == 303 and path_of(sent.location) == "/fr/sent", sent.body[:800]


def code_step(secret: str) -> int:
    """The step of the code her app shows now."""
    return int(pyotp.TOTP(secret).timecode(dt.datetime.now(dt.UTC)))


def log_in_and_read_queue(port: int, secret: str, enrolled_step: int) -> str:
    """The coordinator logs in with a code her app shows after the one she enrolled with (a code
    is taken once: on a fast machine the guide can run within the code's 30 seconds)."""
    totp = pyotp.TOTP(secret)
    while code_step(secret) <= enrolled_step or int(time.time()) % 30 > 27:
        time.sleep(0.5)  # the enrolment's code, or one about to change: wait for the next
    page = through_nginx(port, "GET", "/staff/login")
    cookie = cookie_of(page)
    token = CSRF_RE.search(page.body)
    assert token
    fields = {
        "csrf_token": token.group(1),
        "username": "coordinatrice",
        "password": NEW_PASSWORD,
        "code": totp.now(),
    }
    done = through_nginx(port, "POST", "/staff/login", cookie, urllib.parse.urlencode(fields))
    assert done.status in (302, 303), done.body[:800]
    queue = through_nginx(port, "GET", path_of(done.location), cookie_of(done, cookie))
    assert queue.status == 200
    return queue.body


def stats(output: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(output)
    return found


def guide() -> list[Block]:
    page = blocks((ROOT / "docs" / "deploy.md").read_text())
    assert all(b.name for b in page if b.kind == "not run"), "a block left out says why"
    return page


def test_the_guide_runs_as_written_from_an_empty_database_to_a_restored_backup(
    server: tuple[Server, Cluster, int],
) -> None:
    machine, cluster, port = server
    started = time.monotonic()
    build_wheel(machine.workdir / "build")
    for built in (machine.workdir / "build" / "dist").glob("*.whl"):
        shutil.move(built, machine.workdir / built.name)
    shutil.copy2(ROOT / "gunicorn.conf.py", machine.workdir / "gunicorn.conf.py")
    age_identity = machine.workdir / "portal-backup-identity.txt"

    invitation = card = secret = ""
    enrolled_step = 0
    ran: list[str] = []
    for block, output in machine.follow(guide()):
        ran.append(block.text)
        if "create-user" in block.text:
            invitation = next(w for w in output.split() if "/staff/invitation/" in w)
        if "card-batch" in block.text:
            card = next(w for w in output.split() if re.fullmatch(rf"https://{SITE}/[^/]+", w))
        if "systemctl enable --now portal\n" in block.text:
            assert '"status"' in output or output.strip(), "the health check printed nothing"
            # The first coordinator, through her invitation; then a person, through her card.
            secret = accept_invitation(port, invitation)
            enrolled_step = code_step(secret)
            send_through_card(port, card)
        if block.text.startswith("portal-manage stats"):
            assert stats(output)["stations"]["st-etienne"] == {"new": 1}
        if "age-keygen -o" in block.text:
            assert age_identity.read_text().startswith("# created")
    assert invitation and card and secret, "the guide printed an invitation and a card address"
    assert any("systemctl start portal-base-backup.service" in text for text in ran)
    assert any("recovery.signal" in text for text in ran), "the restore was run"

    # After the restore: the request and the coordinator's account came back whole.
    assert cluster.sql("SELECT count(*) FROM callback_request", "portal") == "1"
    assert cluster.sql("SELECT pg_is_in_recovery()") == "f"
    queue = log_in_and_read_queue(port, secret, enrolled_step)
    assert "Commissariat de Saint-Étienne" in queue or "st-etienne" in queue
    # The backups on the "other host" are ciphertext: no table name, no key.
    store = machine.sandbox / "srv" / "backups" / "portal"
    archived = sorted(store.rglob("*.age"))
    assert archived and all(f.read_bytes().startswith(b"age-encryption.org/v1") for f in archived)
    spent = time.monotonic() - started
    assert spent < BUDGET_SECONDS, machine.timings


@pytest.fixture
def trial(sandbox: Path) -> Iterator[tuple[Server, Cluster, int]]:
    """A machine like ours for the README's trial: PostgreSQL and Redis on loopback, and a clone
    whose portal/ folder must never be imported."""
    if not TEST_REDIS_URL:
        pytest.fail("PORTAL_TEST_REDIS_URL must name a Redis database")
    cluster = database_host(sandbox)
    cluster.start()
    app_port = free_port()
    replacements = [
        ("psql -h 127.0.0.1 -U postgres", f"psql -h 127.0.0.1 -p {cluster.port} -U postgres"),
        ("127.0.0.1:5432", f"127.0.0.1:{cluster.port}"),
        ("redis://127.0.0.1:6379/0", TEST_REDIS_URL),
        ("127.0.0.1:8731", f"127.0.0.1:{app_port}"),
        # The server runs on while the test acts as the person with the card.
        (SERVE, f"{SERVE} > gunicorn.log 2>&1 & echo $! > gunicorn.pid"),
    ]
    environment = {**without_test_settings(), "STAND_IN_DEPENDENCIES": dependencies_folder()}
    machine = Server(sandbox, replacements, environment)
    clone = machine.workdir / "portal"
    clone.mkdir()
    machine.workdir = clone
    try:
        yield machine, cluster, app_port
    finally:
        pid = clone.parent / "portal-trial" / "gunicorn.pid"
        if pid.exists():
            subprocess.run(["kill", pid.read_text().strip()], check=False)  # noqa: S607
            time.sleep(1)
        cluster.stop("immediate")


SERVE = "gunicorn -c gunicorn.conf.py 'portal:create_app()'"


def test_going_live_in_the_readme_runs_outside_the_clone_as_written(
    trial: tuple[Server, Cluster, int],
) -> None:
    machine, cluster, port = trial
    clone = machine.workdir
    build_wheel(clone.parent / "build")
    (clone / "dist").mkdir()
    for built in (clone.parent / "build" / "dist").glob("*.whl"):
        shutil.move(built, clone / "dist" / built.name)
    shutil.copy2(ROOT / "gunicorn.conf.py", clone / "gunicorn.conf.py")
    # The clone's own source: importing it instead of the installed wheel fails loudly.
    (clone / "portal").mkdir()
    (clone / "portal" / "__init__.py").write_text("raise ImportError('the clone was imported')\n")

    readme = section((ROOT / "README.md").read_text(), "Going live")
    outputs = [output for _block, output in machine.follow(blocks(readme))]
    assert outputs, "the section has commands to run"
    card = next(
        w for w in outputs[-1].split() if re.fullmatch(rf"http://127.0.0.1:{port}/[^/]+", w)
    )
    assert "/staff/invitation/" in outputs[-1]

    deadline = time.monotonic() + 60
    while request_ok(port) is False:
        assert time.monotonic() < deadline, (
            clone.parent / "portal-trial" / "gunicorn.log"
        ).read_text()
        time.sleep(0.3)
    send_through_card(port, card, {"Host": f"127.0.0.1:{port}"})
    stations = cluster.sql(
        "SELECT s.code FROM callback_request r JOIN station s ON s.id = r.station_id", "portal"
    )
    assert stations == "st-etienne"


def request_ok(port: int) -> bool:
    try:
        return request(port, "GET", "/healthz", timeout=2).status == 200
    except OSError:
        return False
