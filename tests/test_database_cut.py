"""A silent network cut between the app and PostgreSQL (no packet, no reset): nobody waits for it.

gunicorn's two workers reach PostgreSQL through a relay that the test freezes, as a dead network
would, for longer than anyone may wait. Every person sending the form meanwhile gets, within
seconds, either her confirmation (and then her request is stored) or the page that says nothing
was saved, with the emergency numbers; the health check says the service is not ready; once the
network is back, requests are stored again. Loopback only, bounded.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from helpers.faults import Timed, prepared_app, server_env, stored_phones, timed_send
from helpers.production import FormVisitor, Gunicorn, confirmed, get, phone_for, scratch_postgres
from helpers.relay import relay_to
from helpers.settings import TEST_DATABASE_URL, needs_postgres
from sqlalchemy.engine import make_url

from portal.core.config import new_keys

# Longer than anyone may wait (10 s), short enough for CI.
CUT_SECONDS = 14.0
LONGEST_WAIT = 10.0
SENDERS = 6


def not_saved_page(timed: Timed) -> bool:
    """The plain page: not saved, in her language, with 17 and 112 to call."""
    answer = timed.answer
    return (
        answer is not None
        and answer.status == 503
        and "pas été enregistrée" in answer.body
        and 'href="tel:17"' in answer.body
        and 'href="tel:112"' in answer.body
    )


def send_during(port: int, seconds: float, first: int, results: list[Timed]) -> None:
    """One person after another sends the form (loaded beforehand) until the time is up."""
    deadline = time.monotonic() + seconds
    index = first
    while time.monotonic() < deadline:
        visitor = FormVisitor(port)
        visitor.cookie, visitor.token = PRELOADED[index % len(PRELOADED)]
        results.append(timed_send(visitor, phone_for(index)))
        index += 1


PRELOADED: list[tuple[str, str]] = []


@needs_postgres()
def test_a_silent_database_cut_is_answered_within_seconds_and_never_confirmed(
    tmp_path: Path,
) -> None:
    assert TEST_DATABASE_URL
    keys = new_keys()
    with scratch_postgres(TEST_DATABASE_URL, prefix="portal_cut_") as url:
        app = prepared_app(url, keys)
        target = make_url(url)
        with relay_to(target.host or "127.0.0.1", target.port or 5432) as relay:
            through = target.set(host="127.0.0.1", port=relay.port)
            env = server_env(through.render_as_string(hide_password=False), keys)
            with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
                for _ in range(SENDERS):
                    visitor = FormVisitor(server.port)
                    assert visitor.load().status == 200
                    PRELOADED.append((visitor.cookie, visitor.token))
                before: list[Timed] = []
                send_during(server.port, 1.0, 0, before)

                relay.freeze()
                during: list[Timed] = []
                senders = [
                    threading.Thread(
                        target=send_during, args=(server.port, CUT_SECONDS, 1000 * (n + 1), during)
                    )
                    for n in range(SENDERS)
                ]
                for sender in senders:
                    sender.start()
                time.sleep(CUT_SECONDS / 2)
                started = time.monotonic()
                health = get(server.port, "/healthz", timeout=30)
                health_seconds = time.monotonic() - started
                for sender in senders:
                    sender.join(timeout=CUT_SECONDS + 30)
                relay.thaw()

                after: list[Timed] = []
                recovery_deadline = time.monotonic() + 15
                while time.monotonic() < recovery_deadline:
                    send_during(server.port, 0.5, 90_000 + len(after), after)
                    if after and after[-1].answer and confirmed(after[-1].answer):
                        break
                log = server.log()
        everything = before + during + after
        told = [t.phone for t in everything if t.answer and confirmed(t.answer)]
        stored = stored_phones(app, told)

    assert before and all(t.answer and confirmed(t.answer) for t in before)
    # Nobody waited longer than a few seconds, nobody was cut off or refused.
    assert [t.failure for t in everything if t.failure] == []
    slowest = max(t.seconds for t in during)
    assert slowest < LONGEST_WAIT, f"a person waited {slowest:.1f} s"
    # Each got her confirmation, or the plain page that says it was not saved, with the numbers.
    unclear = [
        t.answer.status
        for t in during
        if t.answer and not confirmed(t.answer) and not not_saved_page(t)
    ]
    assert unclear == []
    refused = [t for t in during if not_saved_page(t)]
    assert len(refused) >= SENDERS, "the cut was not felt"
    # The health check said so, quickly.
    assert health.status == 503 and health_seconds < LONGEST_WAIT
    # Whoever was told "we will call you" is stored.
    assert set(told) <= stored
    # The service came back by itself.
    assert after and after[-1].answer and confirmed(after[-1].answer)
    assert "database silent" in log or "database failed" in log or "OperationalError" in log
