"""Restarts nobody sees: gunicorn reloaded (HUP, what `systemctl reload portal` sends) under a load
of 20 sends a second refuses and cuts no one; a worker killed outright costs at most the request
it was serving, and whoever sends again gets a code that opens her entry.

gunicorn with two workers on PostgreSQL, loopback only, bounded (a few seconds of load each).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from helpers.faults import Timed, prepared_app, server_env, stored_phones, timed_send
from helpers.production import (
    FormVisitor,
    Gunicorn,
    confirmed,
    get,
    phone_for,
    request,
    scratch_postgres,
)
from helpers.settings import TEST_DATABASE_URL, needs_postgres
from helpers.web import CSRF_RE

from portal.core.config import new_keys

RATE = 20  # sends a second
SECONDS = 5.0
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
CODE_RE = re.compile(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>')


def paced_load(port: int, first: int, during: float, event: threading.Event) -> list[Timed]:
    """RATE sends a second for `during` seconds, each from a browser that loaded the form; the
    event is set halfway through."""
    visitor = FormVisitor(port)
    assert visitor.load().status == 200
    session = (visitor.cookie, visitor.token)
    started = time.monotonic()
    futures = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(int(RATE * during)):
            time.sleep(max(0.0, started + n / RATE - time.monotonic()))
            if n == int(RATE * during / 2):
                event.set()
            sender = FormVisitor(port)
            sender.cookie, sender.token = session
            futures.append(pool.submit(timed_send, sender, phone_for(first + n)))
    return [future.result(timeout=60) for future in futures]


def worker_pids(server: Gunicorn) -> list[int]:
    return [int(pid) for pid in BOOTED.findall(server.log())]


def code_opens_her_request(port: int, code: str) -> bool:
    """Her code typed into the page that opens her request."""
    page = get(port, "/en/cancel")
    cookie = page.headers.get("set-cookie", "").split(";", 1)[0]
    token = CSRF_RE.search(page.body)
    assert token
    body = urlencode({"csrf_token": token.group(1), "code": code})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    shown = request(port, "POST", "/en/cancel", body=body, headers=headers).body
    return "Your request" in shown and "No open request has this code" not in shown


@needs_postgres()
def test_a_reload_under_load_refuses_and_cuts_nobody(tmp_path: Path) -> None:
    assert TEST_DATABASE_URL
    keys = new_keys()
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_reload_") as url:
        app = prepared_app(url, keys)
        with Gunicorn(server_env(url, keys), tmp_path / "gunicorn.log", workers=2) as server:
            assert server.process is not None
            halfway = threading.Event()
            pid = server.process.pid

            def reload_when_halfway() -> None:
                if halfway.wait(30):
                    os.kill(pid, signal.SIGHUP)

            reload = threading.Thread(target=reload_when_halfway)
            reload.start()
            sent = paced_load(server.port, 0, SECONDS, halfway)
            reload.join(timeout=30)
            time.sleep(1)
            booted = worker_pids(server)
        told = [t.phone for t in sent if t.answer and confirmed(t.answer)]
        stored = stored_phones(app, told)
    assert len(booted) >= 4, "the workers were not replaced"
    assert [t.failure for t in sent if t.failure] == []
    assert [t.answer.status for t in sent if t.answer and not confirmed(t.answer)] == []
    assert set(told) == stored and len(told) == int(RATE * SECONDS)


@needs_postgres()
def test_a_killed_worker_costs_at_most_its_request(tmp_path: Path) -> None:
    assert TEST_DATABASE_URL
    keys = new_keys()
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_kill_") as url:
        app = prepared_app(url, keys)
        with Gunicorn(server_env(url, keys), tmp_path / "gunicorn.log", workers=2) as server:
            victim = worker_pids(server)[0]
            halfway = threading.Event()

            def kill_when_halfway() -> None:
                if halfway.wait(30):
                    os.kill(victim, signal.SIGKILL)

            killer = threading.Thread(target=kill_when_halfway)
            killer.start()
            sent = paced_load(server.port, 0, 3.0, halfway)
            killer.join(timeout=30)
            cut = [t for t in sent if t.failure]
            # Whoever was cut off sends again: her new code opens her entry.
            again = []
            for timed in cut:
                visitor = FormVisitor(server.port)
                assert visitor.load().status == 200
                answer = visitor.send(timed.phone)
                assert confirmed(answer)
                cookie = answer.headers.get("set-cookie", "").split(";", 1)[0]
                code = CODE_RE.search(get(server.port, "/fr/sent", Cookie=cookie).body)
                assert code
                again.append(code_opens_her_request(server.port, code.group(1)))
            told = [t.phone for t in sent if t.answer and confirmed(t.answer)]
            stored = stored_phones(app, told)
    assert len(cut) <= 1
    assert all(again)
    assert [t.answer.status for t in sent if t.answer and not confirmed(t.answer)] == []
    assert set(told) == stored
