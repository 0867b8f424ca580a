"""The production set-up for real: gunicorn workers on PostgreSQL and Redis, under load, with
limits shared between workers, and with the database cut and restored. Loopback only, bounded."""

from __future__ import annotations

import secrets
import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.faults import server_env
from helpers.fixture_types import MakeApp
from helpers.production import (
    Answer,
    FormVisitor,
    Gunicorn,
    TcpProxy,
    clear_error_page,
    confirmed,
    get,
    phone_for,
    request,
    scratch_postgres,
)
from helpers.settings import (
    PRODUCTION_SETTINGS,
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    needs_postgres,
    needs_redis,
)
from helpers.web import CSRF_RE, VALID_FORM, csrf_token
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.test import TestResponse

from portal import create_app
from portal.cli.demo_data import create_demo_stations
from portal.core import crypto, db
from portal.core.config import new_keys
from portal.core.schema import upgrade_database
from portal.core.security import POLICY_HEADERS
from portal.models import CallbackRequest
from portal.staff import accounts, auth

CLIENTS = 240
CONCURRENCY = 24


def prepared_app(database_url: str, keys: dict[str, str]) -> Flask:
    """The app as the server will see it, on a database at the latest schema with stations."""
    app = create_app({"DATABASE_URL": database_url, **PRODUCTION_SETTINGS, **keys})
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    return app


def stored_per_phone(app: Flask, phones: list[str]) -> Counter[str]:
    """How many stored requests each phone number has, found by its blind index."""
    with app.app_context():
        by_index = {crypto.blind_index(f"+33{p[1:]}"): p for p in phones}
        rows = db.session().execute(
            select(CallbackRequest.phone_index, func.count())
            .where(CallbackRequest.phone_index.is_not(None))
            .group_by(CallbackRequest.phone_index)
        )
        counts = Counter({by_index.get(str(index), f"unknown:{index}"): n for index, n in rows})
        db.session().close()
        return counts


def visit_and_send(port: int, index: int) -> Answer | str:
    """One person: load the form, send it with her own number; an exception is a failure."""
    visitor = FormVisitor(port)
    try:
        page = visitor.load()
        if page.status != 200:
            return page
        return visitor.send(phone_for(index))
    except OSError as exc:  # reset, refused, timeout: what must never happen
        return type(exc).__name__


@pytest.fixture
def pg_database() -> Iterator[str]:
    assert TEST_DATABASE_URL, "PORTAL_TEST_DATABASE_URL must name a PostgreSQL database"
    with scratch_postgres(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture
def keys() -> dict[str, str]:
    return new_keys()


@needs_postgres()
def test_no_request_is_lost_under_concurrent_load(
    pg_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    app = prepared_app(pg_database, keys)
    with Gunicorn(server_env(pg_database, keys), tmp_path / "gunicorn.log", workers=3) as server:
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            answers = list(pool.map(lambda i: visit_and_send(server.port, i), range(CLIENTS)))
        get(server.port, "/fr/?phone=0699999999")
    phones = [phone_for(i) for i in range(CLIENTS)]
    ok = [p for p, a in zip(phones, answers, strict=True) if isinstance(a, Answer) and confirmed(a)]
    others = [a for a in answers if not (isinstance(a, Answer) and confirmed(a))]
    bad = [a if isinstance(a, str) else a.status for a in others if not _clear_refusal(a)]
    assert bad == [], f"answers that were neither a confirmation nor a clear error: {bad[:10]}"
    assert len(ok) >= CLIENTS * 0.9, f"only {len(ok)} of {CLIENTS} confirmed"
    stored = stored_per_phone(app, phones)
    assert all(stored[p] == 1 for p in ok), "a confirmed request is missing or duplicated"
    assert set(stored) <= set(phones) and max(stored.values()) == 1
    with app.app_context():
        db.engine().dispose()


def _clear_refusal(answer: Answer | str) -> bool:
    return isinstance(answer, Answer) and any(
        clear_error_page(answer, status) for status in (503, 429)
    )


@needs_postgres()
def test_server_log_holds_no_address_query_or_phone(
    pg_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    prepared_app(pg_database, keys)
    with Gunicorn(server_env(pg_database, keys), tmp_path / "gunicorn.log") as server:
        visitor = FormVisitor(server.port)
        visitor.load()
        assert confirmed(visitor.send("06 12 34 56 78"))
        get(server.port, "/fr/?phone=0698765432&name=Sam")
        # A broken request line is quoted in gunicorn's warning: its query must not be.
        answer = send_raw(server.port, b"GET /fr/?phone=0687654321\x01 HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400")
    log = server.log()
    requests = [line for line in log.splitlines() if '"GET ' in line or '"POST ' in line]
    assert any('"POST /fr/"' in line for line in requests)
    for forbidden in ("127.0.0.1", "phone=", "name=", "Sam"):
        assert forbidden not in "\n".join(requests)
    assert "Invalid request" in log and "ip=127.0.0.1" not in log
    for phone in ("0698765432", "0687654321", "12 34 56 78", "612345678"):
        assert phone not in log


def send_raw(port: int, data: bytes) -> bytes:
    """Bytes on a socket, as a broken client sends them; returns the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        return sock.recv(4096)


def _redis_url() -> str:
    assert TEST_REDIS_URL, "PORTAL_TEST_REDIS_URL must name a Redis database"
    return TEST_REDIS_URL


@pytest.fixture
def any_database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL when it is configured (a scratch database), SQLite otherwise."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        with scratch_postgres(TEST_DATABASE_URL) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"


@needs_redis()
def test_address_limit_is_shared_between_workers(
    any_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    limit = 4
    prepared_app(any_database, keys)
    env = server_env(
        any_database,
        keys,
        PORTAL_RATELIMIT_STORAGE_URI=_redis_url(),
        PORTAL_RATELIMIT_KEY_PREFIX=f"prodtest{secrets.token_hex(4)}",
        PORTAL_SUBMIT_LIMITS=f"{limit} per hour",
    )
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        visitors = [FormVisitor(server.port) for _ in range(4 * limit)]
        for visitor in visitors:
            visitor.load()

        def send(i: int) -> Answer:
            # Each request forges a new client address: with no trusted proxy it is ignored.
            forged = {"X-Forwarded-For": f"198.51.100.{i + 1}"}
            return visitors[i].send(phone_for(1000 + i), forged)

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(send, range(len(visitors))))
    assert sum(confirmed(a) for a in answers) == limit
    assert all(confirmed(a) or clear_error_page(a, 429) for a in answers)
    post_workers = {line.rsplit("<", 1)[-1] for line in server.log().splitlines() if "POST" in line}
    assert len(post_workers) >= 2, "both workers should have served submissions"


def test_forged_forwarded_for_is_ignored_without_trusted_proxy(
    make_app: MakeApp,
) -> None:
    app = make_app(SUBMIT_LIMITS="2 per hour")
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    answers = [_send_with_forwarded(app, f"203.0.113.{i}") for i in range(4)]
    assert [a.status_code for a in answers] == [303, 303, 429, 429]


def test_one_trusted_proxy_uses_the_address_it_added(make_app: MakeApp) -> None:
    app = make_app(SUBMIT_LIMITS="2 per hour", TRUSTED_PROXIES=1)
    with app.app_context():
        create_demo_stations()
        db.session().commit()
    # The client forges the left part; the proxy appends the address it saw, on the right.
    same_person = [_send_with_forwarded(app, f"10.9.9.{i}, 192.0.2.7") for i in range(3)]
    other_person = _send_with_forwarded(app, "10.9.9.1, 192.0.2.8")
    assert [a.status_code for a in same_person] == [303, 303, 429]
    assert other_person.status_code == 303


def _send_with_forwarded(app: Flask, forwarded_for: str) -> TestResponse:
    client = app.test_client()
    data = {**VALID_FORM, "csrf_token": csrf_token(client, "/fr/")}
    return client.post("/fr/", data=data, headers={"X-Forwarded-For": forwarded_for})


@needs_postgres()
def test_database_outage_gives_503_then_recovers(
    pg_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    app = prepared_app(pg_database, keys)
    target = make_url(pg_database)
    with TcpProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        through_proxy = target.set(host="127.0.0.1", port=proxy.port)
        url = through_proxy.render_as_string(hide_password=False)
        with Gunicorn(server_env(url, keys), tmp_path / "gunicorn.log", workers=2) as server:
            _assert_submissions_work(server.port, [phone_for(1), phone_for(2)])
            waiting = [FormVisitor(server.port) for _ in range(4)]
            for visitor in waiting:
                visitor.load()
            proxy.cut()
            # A form already open cannot be sent at once; a new form page says so within a second
            # (each process asks the database at most once a second before serving it).
            assert clear_error_page(waiting[0].send(phone_for(9)), 503)
            time.sleep(1.2)
            for i, visitor in enumerate(waiting):
                assert clear_error_page(visitor.send(phone_for(10 + i)), 503)
                assert clear_error_page(get(server.port, "/fr/"), 503)
                health = get(server.port, "/healthz")
                assert health.status == 503 and "unavailable" in health.body
            proxy.restore()
            assert get(server.port, "/healthz").status == 200
            _assert_submissions_work(server.port, [phone_for(20 + i) for i in range(4)])
    stored = stored_per_phone(app, [phone_for(i) for i in range(30)])
    expected = [phone_for(i) for i in (1, 2, 20, 21, 22, 23)]
    assert sorted(stored) == sorted(expected) and set(stored.values()) == {1}


def _send_form(client: FlaskClient, phone: str) -> TestResponse:
    data = {**VALID_FORM, "phone": phone, "csrf_token": csrf_token(client, "/fr/")}
    return client.post("/fr/", data=data)


def _drop_other_connections(database_url: str) -> None:
    """What a database restart does to the app's pooled connections."""
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()


@needs_postgres()
@pytest.mark.parametrize("idle_seconds", [0.05, 3600.0])
def test_connections_the_server_dropped_are_replaced_after_a_pause(
    pg_database: str, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch, idle_seconds: float
) -> None:
    # A connection given back a moment ago is used as it is; one that has been idle is pinged
    # first, so that a dead one is replaced before anybody's request depends on it.
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", idle_seconds)
    prepared_app(pg_database, keys)
    app = create_app(
        {"DATABASE_URL": pg_database, **PRODUCTION_SETTINGS, **keys, "MIN_FILL_SECONDS": 0}
    )
    client = app.test_client()
    assert _send_form(client, "06 12 34 56 01").status_code == 303
    _drop_other_connections(pg_database)
    time.sleep(0.2)
    response = _send_form(client, "06 12 34 56 02")
    if idle_seconds < 0.2:
        assert response.status_code == 303
        later = "0612345602"
    else:
        # Never pinged: the dead connection fails this request, plainly, and only this one.
        assert response.status_code == 503 and 'href="tel:112"' in response.get_data(as_text=True)
        assert _send_form(client, "06 12 34 56 03").status_code == 303
        later = "0612345603"
    stored = stored_per_phone(app, ["0612345601", "0612345602", "0612345603"])
    assert stored == {"0612345601": 1, later: 1}


def _assert_submissions_work(port: int, phones: list[str]) -> None:
    for phone in phones:
        visitor = FormVisitor(port)
        assert visitor.load().status == 200
        assert confirmed(visitor.send(phone))


@needs_redis()
def test_redis_outage_does_not_refuse_requests(
    any_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    redis = make_url(_redis_url().replace("redis://", "postgresql://", 1))
    prepared_app(any_database, keys)
    with TcpProxy((redis.host or "127.0.0.1", redis.port or 6379)) as proxy:
        storage = f"redis://127.0.0.1:{proxy.port}/{redis.database or 0}"
        env = server_env(
            any_database,
            keys,
            PORTAL_RATELIMIT_STORAGE_URI=storage,
            PORTAL_RATELIMIT_KEY_PREFIX=f"prodtest{secrets.token_hex(4)}",
            PORTAL_SUBMIT_LIMITS="50 per hour",
        )
        with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
            _assert_submissions_work(server.port, [phone_for(1)])
            proxy.cut()
            # Counting falls back to each worker's memory: a person is never turned away.
            _assert_submissions_work(server.port, [phone_for(2), phone_for(3)])


# --- Counting between workers, and what gunicorn itself writes. ---


def _enrolled_staff(app: Flask, username: str, password: str) -> None:
    with app.app_context():
        user = accounts.create_user(username, "admin", [])
        user.password_hash = auth.hash_password(password)
        user.totp_secret_enc = crypto.encrypt(auth.new_totp_secret())
        db.session().commit()
        db.engine().dispose()


class LoginVisitor:
    """A browser on the login page: its cookie and token, then wrong passwords."""

    def __init__(self, port: int) -> None:
        self.port = port
        page = get(port, "/staff/login")
        self.cookie = page.headers.get("set-cookie", "").split(";", 1)[0]
        found = CSRF_RE.search(page.body)
        assert found, "no CSRF token on the login page"
        self.token = found.group(1)

    def attempt(self, username: str) -> Answer:
        fields = {"csrf_token": self.token, "username": username}
        fields.update(password="not the password at all", code="123456")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        return request(self.port, "POST", "/staff/login", urlencode(fields), headers)


def test_known_and_unknown_usernames_get_the_same_answers_from_two_workers(
    any_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    app = prepared_app(any_database, keys)
    _enrolled_staff(app, "coordination", "une phrase calme pour le bureau")
    lock_after = 3  # fewer than by default: Argon2 makes each attempt slow on purpose
    env = server_env(
        any_database,
        keys,
        PORTAL_RATELIMIT_STORAGE_URI="memory://",
        PORTAL_LOGIN_LOCK_AFTER=str(lock_after),
    )
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        known, unknown = LoginVisitor(server.port), LoginVisitor(server.port)
        answers: dict[str, list[Answer]] = {"coordination": [], "nobody-by-that-name": []}
        with ThreadPoolExecutor(max_workers=2) as pool:
            for _ in range(lock_after + 2):
                # Both at once, so that both workers answer (a sync worker serves one at a time).
                pair = pool.map(
                    lambda job: job[0].attempt(job[1]),
                    [(known, "coordination"), (unknown, "nobody-by-that-name")],
                )
                for name, answer in zip(answers, pair, strict=True):
                    answers[name].append(answer)
    statuses = {name: [a.status for a in got] for name, got in answers.items()}
    expected = [400] * lock_after + [429] * 2
    assert statuses == {"coordination": expected, "nobody-by-that-name": expected}
    assert answers["coordination"][-1].body == answers["nobody-by-that-name"][-1].body
    posts = [line for line in server.log().splitlines() if '"POST /staff/login"' in line]
    assert len({line.rsplit("<", 1)[-1] for line in posts}) == 2, "one worker served them all"


def test_several_workers_on_memory_counters_are_refused_with_the_reason(
    any_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    env = server_env(any_database, keys)
    del env["PORTAL_ALLOW_PER_PROCESS_LIMITS"]
    with pytest.raises(RuntimeError, match="Refusing to start 2 workers") as refused:
        Gunicorn(env, tmp_path / "gunicorn.log", workers=2).start()
    assert "PORTAL_RATELIMIT_STORAGE_URI=redis://" in str(refused.value)


def test_one_worker_by_default_on_memory_counters_naming_itself_nowhere(
    any_database: str, keys: dict[str, str], tmp_path: Path
) -> None:
    """gunicorn.conf.py's own choices: one worker on memory counters, no Server header, and
    its error pages (a request it cannot parse) with the portal's headers, quoting nothing."""
    prepared_app(any_database, keys)
    env = server_env(any_database, keys)
    del env["PORTAL_ALLOW_PER_PROCESS_LIMITS"]
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=1)
    server.default_workers = True
    with server:
        page = get(server.port, "/fr/help")
        broken = send_raw(server.port, b"GET /fr/?phone=0687654321\x01 HTTP/1.1\r\n\r\n")
        too_long = send_raw(server.port, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n")
    assert server.log().count("Booting worker") == 1
    assert page.status == 200 and "server" not in page.headers
    for raw in (broken, too_long):
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin1").split("\r\n")
        assert lines[0].startswith(("HTTP/1.1 400", "HTTP/1.1 414")), lines[0]
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        assert "server" not in headers
        for name, value in POLICY_HEADERS.items():
            assert headers.get(name.lower()) == value, name
        assert b"0687654321" not in body and b"aaaa" not in body
