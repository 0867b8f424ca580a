"""One-time recovery codes: shown once when made, kept only as hashes, each usable once in
place of her second factor (a lost phone or key)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import delete, select

from portal.core import db
from portal.models import StaffRecoveryCode, StaffUser, utcnow
from portal.staff import audit

COUNT = 10
# No look-alikes (0/O, 1/I/L), in groups of four: "7KQX-M3PD-WZ9R".
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 3


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in ALPHABET)


def _hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"recovery:" + _normalise(code).encode(), hashlib.sha256).hexdigest()


def looks_like_one(code: str) -> bool:
    return len(_normalise(code)) == 4 * GROUPS


def make_new(user: StaffUser) -> list[str]:
    """A new set of codes, replacing any earlier set; the caller shows them once."""
    db.session().execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _group in range(GROUPS))
        for _ in range(COUNT)
    ]
    for code in codes:
        db.session().add(StaffRecoveryCode(staff_id=user.id, code_hash=_hash(code)))
    audit.record("recovery_codes.create", user, target=f"user:{user.id}")
    return codes


def remaining(user: StaffUser) -> int:
    query = select(StaffRecoveryCode.id).where(
        StaffRecoveryCode.staff_id == user.id, StaffRecoveryCode.used_at.is_(None)
    )
    return len(list(db.session().scalars(query)))


def use(user: StaffUser, code: str) -> bool:
    """True once for each unused code of hers; the code is then spent."""
    if not looks_like_one(code):
        return False
    query = select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_id == user.id,
        StaffRecoveryCode.code_hash == _hash(code),
        StaffRecoveryCode.used_at.is_(None),
    )
    found = db.session().scalars(query.with_for_update()).first()
    if found is None:
        return False
    found.used_at = utcnow()
    audit.record("recovery_codes.use", user, target=f"user:{user.id}")
    return True
