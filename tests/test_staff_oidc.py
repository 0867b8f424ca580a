"""Staff sign-in through a real OpenID provider on loopback: an invited account gets in and
lands in its area; everything else is refused with a plain page, audited; logout ends both."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from helpers.oidc_provider import SignInSite, form_action, portal_with_provider, sign_in_at_provider
from helpers.staff import Clock
from sqlalchemy import select

from portal.cli.demo_data import create_demo_stations
from portal.core import db
from portal.models import AuditEvent, StaffIdentity, StaffUser
from portal.staff import accounts

REFUSED = "could not sign you in"
INVITED = {
    "alice": ("a.martin", "intervenant", "alice.martin@loire.example"),
    "weak": ("w.weak", "intervenant", "weak.assurance@loire.example"),
    "elsewhere": ("e.where", "intervenant", "elsewhere@loire.example"),
    "bruno": ("b.petit", "admin", "bruno.petit@loire.example"),
}


# The settings of the ProConnect profile (docs/staff-sign-in.md), the issuer aside.
PROCONNECT_PROFILE = {
    "OIDC_ACR_VALUES": "eidas1-mfa",
    "OIDC_SCOPES": "openid email given_name usual_name idp_id",
}


def invite_everyone(app: Flask) -> None:
    """Accounts a coordinator created, each with the e-mail of its invitation."""
    with app.app_context():
        create_demo_stations()
        for username, role, email in INVITED.values():
            stations = ["st-etienne"] if role == "intervenant" else []
            user = accounts.create_user(username, role, stations, email=email)
            accounts.invitation_link(user)
        db.session().commit()


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Iterator[SignInSite]:
    with portal_with_provider(make_app, invite_everyone, **PROCONNECT_PROFILE) as site:
        yield site


def browser() -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    return session


def provider_login_page(site: SignInSite, session: requests.Session) -> requests.Response:
    page = session.get(site.url("/staff/oidc/start"), timeout=10)
    assert page.url.startswith(site.issuer + "/interaction/"), page.url
    return page


def sign_in(
    site: SignInSite, account: str, session: requests.Session | None = None
) -> requests.Response:
    session = session or browser()
    return sign_in_at_provider(session, provider_login_page(site, session), account)


def audit(site: SignInSite, action: str) -> list[AuditEvent]:
    with site.app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session().scalars(query))


def refusal_reasons(site: SignInSite) -> list[str]:
    return [str(event.details.get("reason")) for event in audit(site, "oidc.refused")]


def assert_refused_plainly(page: requests.Response) -> None:
    assert page.status_code == 403
    assert urlsplit(page.url).path == "/staff/oidc/callback"
    assert REFUSED in page.text
    assert "Traceback" not in page.text


def test_the_login_page_offers_the_provider_by_its_label(site: SignInSite) -> None:
    page = browser().get(site.url("/staff/login"), timeout=10)
    assert "Sign in with ProConnect" in page.text
    assert 'href="/staff/oidc/start"' in page.text


def test_an_invited_account_signs_in_and_lands_in_its_area(site: SignInSite) -> None:
    page = sign_in(site, "alice")
    assert page.status_code == 200
    assert urlsplit(page.url).path == "/staff/"
    assert "a.martin" in page.text or "Queue" in page.text
    with site.app.app_context():
        user = db.session().scalars(select(StaffUser).filter_by(username="a.martin")).one()
        identity = db.session().scalars(select(StaffIdentity)).one()
        assert (identity.staff_id, identity.issuer) == (user.id, site.issuer)
        assert (identity.subject, identity.idp_id) == ("alice", "idp-departement")
        assert user.invitation_nonce is None  # the invitation is used
    assert len(audit(site, "oidc.link")) == 1
    assert [e.details.get("method") for e in audit(site, "login.success")] == ["oidc"]


def test_a_linked_account_is_found_by_its_binding_not_its_email(site: SignInSite) -> None:
    sign_in(site, "alice")
    with site.app.app_context():
        user = db.session().scalars(select(StaffUser).filter_by(username="a.martin")).one()
        user.email = "a.new.address@loire.example"
        db.session().commit()
    page = sign_in(site, "alice")
    assert urlsplit(page.url).path == "/staff/"
    assert len(audit(site, "oidc.link")) == 1


def test_a_coordinator_lands_in_her_own_area(site: SignInSite) -> None:
    page = sign_in(site, "bruno", browser())
    assert page.status_code == 200
    assert urlsplit(page.url).path in ("/staff/", "/staff/account")


def test_an_identity_never_invited_is_refused(site: SignInSite) -> None:
    page = sign_in(site, "stranger")
    assert_refused_plainly(page)
    assert refusal_reasons(site) == ["not_invited"]
    with site.app.app_context():
        assert db.session().scalars(select(StaffIdentity)).first() is None
        assert (
            db.session()
            .scalars(select(StaffUser).filter_by(email="someone@elsewhere.example"))
            .first()
            is None
        )


def test_a_deactivated_account_stays_refused(site: SignInSite) -> None:
    sign_in(site, "alice")
    with site.app.app_context():
        user = db.session().scalars(select(StaffUser).filter_by(username="a.martin")).one()
        user.active = False
        db.session().commit()
    assert_refused_plainly(sign_in(site, "alice"))
    assert refusal_reasons(site) == ["inactive"]


def test_a_wrong_nonce_is_refused(site: SignInSite) -> None:
    session = browser()
    start = session.get(site.url("/staff/oidc/start"), allow_redirects=False, timeout=10)
    authorize = urlsplit(start.headers["Location"])
    params = dict(parse_qsl(authorize.query))
    assert len(params["nonce"]) >= 32 and len(params["state"]) >= 32
    assert params["code_challenge_method"] == "S256"
    params["nonce"] = "n" * 43  # what someone else's authorisation request would carry
    tampered = urlunsplit(authorize._replace(query=urlencode(params)))
    login = session.get(tampered, timeout=10)
    assert_refused_plainly(sign_in_at_provider(session, login, "alice"))
    assert refusal_reasons(site) == ["id_token:invalid_claim"]


def callback_address(site: SignInSite, session: requests.Session, account: str) -> str:
    """Sign in at the provider and stop on the way back: the callback address it sends to."""
    login = provider_login_page(site, session)
    answer = session.post(
        form_action(login), data={"login": account}, allow_redirects=False, timeout=10
    )
    while not urlsplit(answer.headers["Location"]).path.endswith("/staff/oidc/callback"):
        following = urljoin(answer.url, answer.headers["Location"])
        answer = session.get(following, allow_redirects=False, timeout=10)
    return str(answer.headers["Location"])


def test_a_replayed_code_is_refused(site: SignInSite) -> None:
    session = browser()
    # Hold the callback, and the cookies it was meant for.
    callback = callback_address(site, session, "alice")
    kept = requests.cookies.RequestsCookieJar()
    kept.update(session.cookies)
    first = session.get(callback, timeout=10)
    assert urlsplit(first.url).path == "/staff/"
    replay = browser()
    replay.cookies.update(kept)
    assert_refused_plainly(replay.get(callback, timeout=10))
    assert refusal_reasons(site) == ["oauth:invalid_grant"]


def test_an_expired_id_token_is_refused(site: SignInSite, clock: Clock) -> None:
    session = browser()
    callback = callback_address(site, session, "alice")
    # The portal reads the token two hours after the provider signed it (valid for one).
    clock.advance(hours=2)
    assert_refused_plainly(session.get(callback, timeout=10))
    assert refusal_reasons(site) == ["id_token:expired_token"]


def test_an_assurance_level_below_the_required_one_is_refused(site: SignInSite) -> None:
    assert_refused_plainly(sign_in(site, "weak"))
    assert refusal_reasons(site) == ["acr_too_low"]


def test_an_id_token_for_another_audience_is_refused(site: SignInSite) -> None:
    assert_refused_plainly(sign_in(site, "elsewhere"))
    # Authlib reads an `aud` that is not ours as needing an `azp` naming us: none here.
    assert refusal_reasons(site) == ["id_token:missing_claim"]
    with site.app.app_context():
        assert db.session().scalars(select(StaffIdentity)).first() is None


def csrf_of(page: requests.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_logout_ends_both_sessions(site: SignInSite) -> None:
    session = browser()
    sign_in(site, "alice", session)
    # Signed in at the provider: another start comes straight back, signed in.
    again = session.get(site.url("/staff/oidc/start"), timeout=10)
    assert urlsplit(again.url).path == "/staff/"
    confirm = session.post(
        site.url("/staff/logout"), data={"csrf_token": csrf_of(again)}, timeout=10
    )
    assert confirm.url.startswith(site.issuer)  # the provider asks her to confirm
    after = session.post(
        form_action(confirm), data={"logout": "yes", **hidden_fields(confirm)}, timeout=10
    )
    assert urlsplit(after.url).path == "/staff/login"
    assert urlsplit(session.get(site.url("/staff/"), timeout=10).url).path == "/staff/login"
    # And the provider asks who she is again.
    assert session.get(site.url("/staff/oidc/start"), timeout=10).url.startswith(
        site.issuer + "/interaction/"
    )


def hidden_fields(page: requests.Response) -> dict[str, Any]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))


def test_an_error_sent_back_is_refused_plainly_and_audited_as_a_code(site: SignInSite) -> None:
    session = browser()
    start = session.get(site.url("/staff/oidc/start"), allow_redirects=False, timeout=10)
    state = dict(parse_qsl(urlsplit(start.headers["Location"]).query))["state"]
    query = urlencode({"error": "access_denied<script>x</script>", "state": state})
    assert_refused_plainly(session.get(site.url("/staff/oidc/callback?" + query), timeout=10))
    assert refusal_reasons(site) == ["oauth:access_deniedscriptxscript"]
