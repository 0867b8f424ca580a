"""Passkeys and security keys (WebAuthn, with the `webauthn` package): registering, naming,
removing, and checking one at sign-in, as a second factor or as a sign-in of its own.

The challenge of a ceremony lives in the browser's session (signed) for a few minutes and is
used once; the origin and relying-party id come from PUBLIC_BASE_URL, so a page on another site
cannot use a key registered here.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, session
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.core import db
from portal.models import StaffPasskey, StaffUser, utcnow
from portal.staff import audit

CHALLENGE_KEY = "webauthn"
CHALLENGE_SECONDS = 300
MAX_NAME = 80


class PasskeyRejected(ValueError):
    """The authenticator's answer does not prove what it should."""


def _relying_party() -> tuple[str, str]:
    """The relying party's id (the site's host name) and the origin the browser reports."""
    base = urlsplit(str(current_app.config["PUBLIC_BASE_URL"]))
    rp_id = str(current_app.config.get("WEBAUTHN_RP_ID") or base.hostname or "")
    return rp_id, f"{base.scheme}://{base.netloc}"


def _remember_challenge(purpose: str, challenge: bytes, user_id: int | None) -> None:
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "user": user_id,
        "at": int(time.time()),
    }


def _take_challenge(purpose: str) -> tuple[bytes, int | None]:
    """The pending challenge of this kind, forgotten as it is read: each one works once."""
    kept = session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        raise PasskeyRejected("no_challenge")
    if time.time() - int(kept.get("at", 0)) > CHALLENGE_SECONDS:
        raise PasskeyRejected("expired")
    user = kept.get("user")
    return base64url_to_bytes(str(kept["challenge"])), user if isinstance(user, int) else None


def passkeys_of(user: StaffUser) -> list[StaffPasskey]:
    query = select(StaffPasskey).where(StaffPasskey.staff_id == user.id)
    return list(db.session().scalars(query.order_by(StaffPasskey.id)))


def has_passkey(user: StaffUser) -> bool:
    query = select(StaffPasskey.id).where(StaffPasskey.staff_id == user.id)
    return db.session().scalars(query).first() is not None


def _descriptors(user: StaffUser) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
        for key in passkeys_of(user)
    ]


def registration_options(user: StaffUser) -> str:
    """The options for navigator.credentials.create(), as JSON: a discoverable credential
    (so that it can sign her in on its own), verified by the device's PIN or biometrics."""
    rp_id, _origin = _relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=str(current_app.config["TOTP_ISSUER"]),
        user_name=user.username,
        user_id=_user_handle(user),
        user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _remember_challenge("register", options.challenge, user.id)
    return options_to_json(options)


def _user_handle(user: StaffUser) -> bytes:
    """The opaque id the authenticator keeps for her: the account's number, nothing personal."""
    return f"staff:{user.id}".encode()


def register(user: StaffUser, credential: dict[str, Any], name: str) -> StaffPasskey:
    """Check the authenticator's answer and keep the new key under her name for it."""
    challenge, user_id = _take_challenge("register")
    if user_id != user.id:
        raise PasskeyRejected("other_user")
    rp_id, origin = _relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRejected("invalid") from exc
    key = StaffPasskey(
        staff_id=user.id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        name=(name.strip() or "Passkey")[:MAX_NAME],
    )
    db.session().add(key)
    db.session().flush()
    audit.record("passkey.add", user, target=f"user:{user.id}", passkey=key.id)
    return key


def authentication_options(second_factor: bool, user: StaffUser | None = None) -> str:
    """Options for navigator.credentials.get(): whichever of the device's keys she picks (every
    key registered here is discoverable). They name no key, so they look the same whoever asks;
    as a second factor the key must then be one of `user`'s (None: the password was wrong)."""
    rp_id, _origin = _relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=secrets.token_bytes(32),
        allow_credentials=[],
        user_verification=UserVerificationRequirement.PREFERRED
        if second_factor
        else UserVerificationRequirement.REQUIRED,
    )
    purpose = "second_factor" if second_factor else "sign_in"
    _remember_challenge(purpose, options.challenge, user.id if user else None)
    return options_to_json(options)


def authenticate(credential: dict[str, Any], second_factor: bool) -> StaffUser:
    """The account whose key answered the pending challenge; a sign-in of its own requires the
    device to have verified her (PIN or biometrics), a second factor only her key's presence."""
    challenge, user_id = _take_challenge("second_factor" if second_factor else "sign_in")
    if second_factor and user_id is None:
        raise PasskeyRejected("no_password")
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str):
        raise PasskeyRejected("invalid")
    query = select(StaffPasskey).where(StaffPasskey.credential_id == raw_id)
    key = db.session().scalars(query).first()
    if key is None or (user_id is not None and key.staff_id != user_id):
        raise PasskeyRejected("unknown_key")
    rp_id, origin = _relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
            require_user_verification=not second_factor,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRejected("invalid") from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = utcnow()
    user = db.session().get(StaffUser, key.staff_id)
    if user is None:
        raise PasskeyRejected("unknown_key")
    return user


def rename(user: StaffUser, key_id: int, name: str) -> bool:
    key = _own_key(user, key_id)
    if key is None or not name.strip():
        return False
    key.name = name.strip()[:MAX_NAME]
    audit.record("passkey.rename", user, target=f"user:{user.id}", passkey=key.id)
    return True


def remove(user: StaffUser, key_id: int) -> bool:
    key = _own_key(user, key_id)
    if key is None:
        return False
    db.session().delete(key)
    audit.record("passkey.remove", user, target=f"user:{user.id}", passkey=key_id)
    return True


def _own_key(user: StaffUser, key_id: int) -> StaffPasskey | None:
    key = db.session().get(StaffPasskey, key_id)
    return key if key is not None and key.staff_id == user.id else None


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PasskeyRejected("invalid") from exc
    if not isinstance(value, dict):
        raise PasskeyRejected("invalid")
    return value
