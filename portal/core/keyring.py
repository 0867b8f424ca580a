"""Rotation of the data keys: a new key first in the ring, every encrypted field rewritten under
it, then the old keys retired, in an order where a crash at any point loses nothing.

With the key file, running processes pick up each step by themselves (portal.core.crypto watches the
file): a key is retired only once no process writes with it and no field is left under it."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask
from sqlalchemy import CursorResult, select, update

from portal.core import db
from portal.core.config import KEYS_FILE, write_keys
from portal.core.db import Base
from portal.models.personal_data import encrypted_columns
from portal.staff import audit

ENV_VARIABLE = "PORTAL_DATA_KEYS"
BATCH_SIZE = 500
# Processes started before the rotation may still write under an old key: sweep until none did.
MAX_PASSES = 5

# Every column that holds a Fernet token, as the personal-data declaration lists them.
ENCRYPTED_FIELDS = encrypted_columns()


def new_data_key() -> str:
    """A fresh Fernet key, as it is written in keys.json or PORTAL_DATA_KEYS."""
    return Fernet.generate_key().decode()


def fingerprint(key: str) -> str:
    """A short name for a key that reveals nothing of it, to tell keys apart in logs."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def keys_file(app: Flask) -> Path:
    return Path(app.instance_path) / KEYS_FILE


def keys_come_from_file(app: Flask) -> bool:
    """True when the data keys in use are those of instance/keys.json, which we may rewrite."""
    if os.environ.get(ENV_VARIABLE):
        return False
    path = keys_file(app)
    if not path.exists():
        return False
    stored: object = json.loads(path.read_text()).get("DATA_KEYS")
    return stored == list(app.config["DATA_KEYS"])


@dataclass
class SweepResult:
    """What one or more passes over the encrypted columns did; counts only, never content."""

    rewritten: int = 0
    unreadable: dict[str, int] = field(default_factory=dict)

    def add(self, other: SweepResult) -> None:
        self.rewritten += other.rewritten
        for name, count in other.unreadable.items():
            self.unreadable[name] = self.unreadable.get(name, 0) + count


def _under_current(token: str, current: Fernet) -> bool:
    try:
        current.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _sweep_table(model: type[Base], columns: tuple[str, ...], keys: list[str]) -> SweepResult:
    """Rewrite under keys[0] every token of these columns that another key of the ring made."""
    current, ring = Fernet(keys[0]), MultiFernet([Fernet(k) for k in keys])
    table = db.table_of(model)
    result, last_id = SweepResult(), 0
    session = db.session()
    while True:
        rows = session.execute(
            select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return result
        for row in rows:
            for name, token in zip(columns, row[1:], strict=True):
                if token is None or _under_current(token, current):
                    continue
                try:
                    fresh = current.encrypt(ring.decrypt(token.encode())).decode()
                except InvalidToken:
                    label = f"{table.name}.{name}"
                    result.unreadable[label] = result.unreadable.get(label, 0) + 1
                    continue
                # Only if nobody changed the field meanwhile; a changed field is seen next pass.
                done = cast(
                    CursorResult[Any],
                    session.execute(
                        update(table)
                        .where(table.c.id == row[0], table.c[name] == token)
                        .values({name: fresh})
                    ),
                )
                result.rewritten += done.rowcount
        # A batch job: each batch commits on its own, so that a sweep of a large table holds no
        # long transaction and an interrupted sweep keeps what it did (it is repeatable).
        session.commit()
        last_id = rows[-1][0]


def reencrypt_all(keys: list[str]) -> SweepResult:
    """Bring every encrypted field under keys[0], in batches with a commit each; repeatable."""
    total = SweepResult()
    for _pass in range(MAX_PASSES):
        result = SweepResult()
        for model, columns in ENCRYPTED_FIELDS:
            result.add(_sweep_table(model, columns, keys))
        total.rewritten += result.rewritten
        total.unreadable = result.unreadable
        if result.rewritten == 0:
            return total
    raise RuntimeError("fields kept arriving under an old key; restart every app process first")


@dataclass(frozen=True)
class Rotation:
    """The outcome of a rotation, for the operator and the audit log."""

    from_file: bool
    current: str
    retired: list[str]
    rewritten: int
    unreadable: dict[str, int]


def _audit(rotation: Rotation) -> None:
    audit.record(
        "keys.rotate",
        target="data_keys",
        source="file" if rotation.from_file else "environment",
        current=fingerprint(rotation.current),
        retired=[fingerprint(k) for k in rotation.retired],
        rewritten=rotation.rewritten,
        unreadable=sum(rotation.unreadable.values()),
    )
    db.session().flush()


def rotate_file_keys(app: Flask) -> Rotation:
    """Put a new key first in keys.json, re-encrypt everything under it, then retire the others."""
    path = keys_file(app)
    old = list(app.config["DATA_KEYS"])
    new = new_data_key()
    stored = json.loads(path.read_text())
    # The new key is on disk before anything is written with it: a crash from here loses nothing.
    write_keys(path, {**stored, "DATA_KEYS": [new, *old]})
    app.config["DATA_KEYS"] = [new, *old]
    # Running processes look at the file every KEY_CHECK_SECONDS: once they all write under the
    # new key, the sweep below finds every field an old key made, and none comes after it.
    time.sleep(float(app.config["KEY_PICKUP_SECONDS"]))
    result = reencrypt_all([new, *old])
    retired: list[str] = []
    if not result.unreadable:
        write_keys(path, {**json.loads(path.read_text()), "DATA_KEYS": [new]})
        app.config["DATA_KEYS"] = [new]
        retired = old
    rotation = Rotation(True, new, retired, result.rewritten, result.unreadable)
    _audit(rotation)
    return rotation


def rotate_configured_keys(app: Flask) -> Rotation:
    """Keys we cannot rewrite: re-encrypt under the first one and name those no longer needed."""
    keys = list(app.config["DATA_KEYS"])
    result = reencrypt_all(keys)
    removable = [] if result.unreadable else keys[1:]
    rotation = Rotation(False, keys[0], removable, result.rewritten, result.unreadable)
    _audit(rotation)
    return rotation
