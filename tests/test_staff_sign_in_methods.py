"""Her ways of signing in besides the provider: passwords checked against her names and the
site's own words, one-time recovery codes, a role that must use the provider, and the account
page that lists her methods, browsers and recent sign-ins."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from helpers.staff import Clock, StaffAccount, log_out, post_login, staff_browser
from helpers.web import csrf_token, text_of
from sqlalchemy import select

from portal.core import db
from portal.models import StaffPasskey, StaffRecoveryCode, StaffUser
from portal.staff import accounts, auth, sign_in_rules


@pytest.mark.parametrize(
    "password",
    ["Loire2026Portal!", "Rappel-Loire-2026", "MartineDurand2026!", "portail.loire.42!"],
)
def test_passwords_built_from_her_names_or_the_sites_words_are_refused(
    app: Flask, password: str
) -> None:
    with app.app_context():
        assert auth.password_problem(password, "m.durand", "Martine Durand") is not None


def test_a_real_sentence_passes_even_with_a_site_word_in_it(app: Flask) -> None:
    with app.app_context():
        assert auth.password_problem("trois merles chantent sur le toit", "m.durand") is None
        sentence = "la loire déborde quand les merles chantent fort"
        assert auth.password_problem(sentence, "m.durand", "Martine Durand") is None


def test_enrolment_says_why_the_sites_words_are_refused(app: Flask) -> None:
    with app.app_context():
        user = accounts.create_user("m.durand", "intervenant", ["st-etienne"], "Martine Durand")
        path = urlsplit(accounts.invitation_link(user)).path
        db.session().commit()
    client = staff_browser(app)
    page = client.get(path).get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert secret, page
    data = {
        "password": "Loire2026Portal!",
        "confirm": "Loire2026Portal!",
        "code": pyotp.TOTP(secret.group(1).replace(" ", "")).now(),
        "csrf_token": csrf_token(client, path),
    }
    refused = client.post(path, data=data)
    assert refused.status_code == 400
    assert "Do not build your password from your name" in text_of(refused)


def make_recovery_codes(client: Any) -> list[str]:
    token = csrf_token(client, "/staff/login")
    page = text_of(client.post("/staff/account/recovery-codes", data={"csrf_token": token}))
    return re.findall(r"<code>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})</code>", page)


def test_a_recovery_code_replaces_the_code_once(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    staff = make_staff("intervenant")
    client = staff_browser(app)
    login_as(client, staff)
    codes = make_recovery_codes(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        kept = db.session().scalars(select(StaffRecoveryCode.code_hash)).all()
        assert len(kept) == 10 and not set(codes) & set(kept)  # only hashes are kept
    # Shown once: the account page says how many are left, never the codes.
    account = text_of(client.get("/staff/account"))
    assert "10 unused codes left." in account and codes[0] not in account
    log_out(client)
    other = staff_browser(app)
    assert post_login(other, staff.username, staff.password, codes[0].lower()).status_code == 303
    again = staff_browser(app)
    assert post_login(again, staff.username, staff.password, codes[0]).status_code == 400
    assert "9 unused codes left." in text_of(other.get("/staff/account"))


def test_a_role_that_must_use_the_provider_cannot_use_its_password(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    admin = make_staff("admin")
    worker = make_staff("intervenant")
    coordinator = staff_browser(app)
    login_as(coordinator, admin)
    page = text_of(coordinator.get("/staff/sign-in-rules"))
    assert "Roles that sign in only through the identity provider" in page
    token = csrf_token(coordinator, "/staff/login")
    saved = coordinator.post(
        "/staff/sign-in-rules", data={"csrf_token": token, "oidc_roles": ["intervenant"]}
    )
    assert saved.status_code == 303
    with app.app_context():
        assert sign_in_rules.roles_requiring_oidc() == {"intervenant"}
    refused = post_login(staff_browser(app), worker.username, worker.password, worker.code())
    assert refused.status_code == 400
    assert "signs in through" in text_of(refused)


def test_her_account_page_shows_her_methods_browsers_and_sign_ins(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    clock: Clock,
) -> None:
    staff = make_staff("intervenant")
    client = staff_browser(app)
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    assert post_login(client, staff.username, "wrong password!", staff.code()).status_code == 400
    clock.advance(seconds=31)
    assert post_login(client, staff.username, staff.password, staff.code()).status_code == 303
    page = text_of(client.get("/staff/account"))
    assert "Password and a code from an authenticator app" in page
    assert "Firefox · Linux (this browser)" in page
    assert "Signed in (password)" in page and "Failed sign-in" in page
    assert "You have no passkey or security key yet." in page
    with app.app_context():
        user = db.session().get(StaffUser, staff.id)
        assert user is not None and user.last_login_at is not None


def test_an_empty_code_leads_to_the_key_step_whether_the_password_is_right(
    app: Flask, make_staff: Callable[..., StaffAccount]
) -> None:
    staff = make_staff("intervenant")
    with app.app_context():
        key = StaffPasskey(
            staff_id=staff.id, credential_id="a2V5", public_key="a2V5", sign_count=0, name="Key"
        )
        db.session().add(key)
        db.session().commit()
    answers = []
    for password in (staff.password, "not her password at all"):
        browser = staff_browser(app)
        response = post_login(browser, staff.username, password, "")
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/staff/login/key")
        page = browser.get("/staff/login/key")
        token = csrf_token(browser, "/staff/login")
        options = browser.post(
            "/staff/passkey/options?step=second", headers={"X-CSRFToken": token}
        ).get_json()
        answers.append((page.status_code, sorted(options), options["allowCredentials"]))
    assert answers[0] == answers[1] == (200, answers[0][1], [])


def test_she_renames_and_removes_her_own_keys_only(
    app: Flask,
    make_staff: Callable[..., StaffAccount],
    login_as: Callable[..., Any],
) -> None:
    staff = make_staff("intervenant")
    other = make_staff("intervenant")
    with app.app_context():
        for owner, credential in ((staff.id, "aGVycw"), (other.id, "b3RoZXI")):
            db.session().add(
                StaffPasskey(
                    staff_id=owner, credential_id=credential, public_key="a2V5", name="Key"
                )
            )
        db.session().commit()
        mine, theirs = db.session().scalars(select(StaffPasskey.id).order_by(StaffPasskey.id)).all()
    client = staff_browser(app)
    login_as(client, staff)
    token = csrf_token(client, "/staff/login")
    for key in (mine, theirs):
        client.post(
            f"/staff/account/passkeys/{key}/rename", data={"csrf_token": token, "name": "Blue key"}
        )
    assert "Blue key" in text_of(client.get("/staff/account"))
    for key in (mine, theirs):
        client.post(f"/staff/account/passkeys/{key}/remove", data={"csrf_token": token})
    with app.app_context():
        left = db.session().scalars(select(StaffPasskey)).all()
        assert [(k.id, k.name) for k in left] == [(theirs, "Key")]
