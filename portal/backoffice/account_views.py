"""Her own account: how she signs in (provider, password, passkeys, recovery codes), the
browsers that know her, and her recent sign-ins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.models import StaffUser
from portal.staff import (
    devices,
    identities,
    oidc,
    passkeys,
    recovery_codes,
    sign_in_history,
    sign_in_rules,
)
from portal.staff.access import Area

HISTORY_LABELS = {
    "login.success": _l("Signed in"),
    "login.failure": _l("Failed sign-in"),
    "login.locked": _l("Sign-in refused: too many attempts"),
    "oidc.refused": _l("Sign-in through the provider refused"),
    "oidc.link": _l("Account linked to the provider"),
}
METHOD_LABELS = {
    "password": _l("password"),
    "oidc": _l("identity provider"),
    "passkey": _l("passkey or security key"),
}


@dataclass(frozen=True)
class Row:
    """One line of a table on the page, already in words."""

    id: int
    label: str
    first: str
    second: str
    current: bool = False


def _when(moment: dt.datetime | None) -> str:
    return format_datetime(moment, "dd/MM/yyyy HH:mm") if moment else "—"


def _methods(user: StaffUser) -> list[str]:
    methods = []
    for identity in identities.identities_of(user):
        methods.append(_("Through %(provider)s", provider=oidc.label() or identity.issuer))
    if user.password_hash and user.totp_secret_enc:
        methods.append(_("Password and a code from an authenticator app"))
    if passkeys.has_passkey(user):
        methods.append(_("Passkey or security key"))
    return methods or [_("None yet.")]


def _history(user: StaffUser) -> list[Row]:
    rows = []
    for event in sign_in_history.recent(user):
        what = str(HISTORY_LABELS.get(event.action, event.action))
        method = METHOD_LABELS.get(str((event.details or {}).get("method", "")))
        rows.append(
            Row(event.id, what + (f" ({method})" if method else ""), _when(event.created_at), "")
        )
    return rows


@bp.get("/account")
@area(Area.ACCOUNT)
def account() -> ResponseReturnValue:
    user = g.staff
    here = devices.this_browser(user)
    keys = [
        Row(k.id, k.name, _when(k.created_at), _when(k.last_used_at))
        for k in passkeys.passkeys_of(user)
    ]
    browsers = [
        Row(d.id, d.label, _when(d.last_used_at), "", current=here is not None and d.id == here.id)
        for d in devices.devices_of(user)
    ]
    return render_template(
        "staff/account.html",
        methods=_methods(user),
        keys=keys,
        passkey_missing=sign_in_rules.passkey_missing(user),
        codes_left=recovery_codes.remaining(user),
        browsers=browsers,
        history=_history(user),
    )


@bp.post("/account/passkeys/<int:key_id>/rename")
@area(Area.ACCOUNT)
def passkey_rename(key_id: int) -> ResponseReturnValue:
    name = request.form.get("name", "")
    if ConfirmForm().validate_on_submit() and passkeys.rename(g.staff, key_id, name):
        flash(_("The key is renamed."))
    return redirect(url_for("staff.account"), 303)


@bp.post("/account/passkeys/<int:key_id>/remove")
@area(Area.ACCOUNT)
def passkey_remove(key_id: int) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit() and passkeys.remove(g.staff, key_id):
        flash(_("The key is removed: it no longer signs you in."))
    return redirect(url_for("staff.account"), 303)


@bp.post("/account/devices/<int:device_id>/forget")
@area(Area.ACCOUNT)
def device_forget(device_id: int) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit() and devices.forget(g.staff, device_id):
        flash(_("This browser is forgotten."))
    return redirect(url_for("staff.account"), 303)


@bp.post("/account/recovery-codes")
@area(Area.ACCOUNT)
def recovery_codes_new() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.account"), 303)
    return render_template("staff/recovery_codes.html", codes=recovery_codes.make_new(g.staff))


@bp.app_template_global()
def passkey_prompt() -> bool:
    """Whether the page reminds her that her role needs a passkey and she has none yet."""
    staff = g.get("staff")
    return staff is not None and sign_in_rules.passkey_missing(staff)
