"""Card batches and the codes printed on them: short random codes, and the signed codes of the
first cards (they name a station and a batch), which keep working."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select

from portal.core import db
from portal.core.urls import public_url
from portal.intake import card_codes
from portal.models import CallbackRequest, CardBatch, StaffUser, Station, utcnow
from portal.staff import audit

MAX_CODE_LENGTH = 120


def _serializer() -> URLSafeSerializer:
    # A key of its own: rotating the session secret must not void cards already printed.
    return URLSafeSerializer(current_app.config["CARD_KEY"], salt="card")


def card_code(batch: CardBatch) -> str:
    """The code for one batch of printed cards."""
    return _serializer().dumps([batch.station_id, batch.id])


@dataclass(frozen=True)
class Card:
    batch: CardBatch
    # None when the batch was revoked or its station closed: the coordinator takes the request.
    station: Station | None

    @property
    def revoked(self) -> bool:
        return self.batch.revoked_at is not None or not self.batch.station.active


def _card(batch: CardBatch) -> Card:
    # A closed station's cards must not feed a queue nobody reads any more.
    station = None if batch.revoked_at or not batch.station.active else batch.station
    return Card(batch=batch, station=station)


def read_short_code(text: str | None) -> Card | None:
    """The card a typed short code stands for, or None: an unknown code is no code at all."""
    code = card_codes.normalise(text)
    if code is None:
        return None
    batch = db.session().scalars(select(CardBatch).where(CardBatch.short_code == code)).first()
    return None if batch is None else _card(batch)


def read_card(code: str) -> Card | None:
    """The card a short or signed code stands for, or None for a wrong or tampered code."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    if len(code) <= card_codes.MAX_INPUT:
        return read_short_code(code)
    try:
        payload = _serializer().loads(code)
    except (BadData, UnicodeError, ValueError):
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    station_id, batch_id = payload
    if not (isinstance(station_id, int) and isinstance(batch_id, int)):
        return None
    batch = db.session().get(CardBatch, batch_id)
    if batch is None or batch.station_id != station_id:
        return None
    return _card(batch)


def card_link(batch: CardBatch, lang: str | None = None) -> str:
    """The address printed on the card: the base URL and the short code (`…/K7M-2QX`)."""
    code = card_codes.printed(batch.short_code)
    if lang:
        return public_url("public.card_form", lang=lang, code=code)
    return public_url("public.short_card", code=code)


def signed_card_link(batch: CardBatch, lang: str | None = None) -> str:
    """The long signed address the first cards carried; still read, no longer printed."""
    if lang:
        return public_url("public.card_form", lang=lang, code=card_code(batch))
    return public_url("public.card_without_language", code=card_code(batch))


class CardError(ValueError):
    """A refused change to a card batch; `code` names the reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


LABEL_MAX = 120


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label or len(label) > LABEL_MAX:
        raise CardError("bad_label")
    return label


def _unused_code() -> str:
    # About a billion codes for a few hundred batches: a clash is rare, but checked.
    taken = set(db.session().scalars(select(CardBatch.short_code)))
    while (code := card_codes.new_code()) in taken:
        pass
    return code


def new_batch(station: Station, label: str, actor: StaffUser | None = None) -> CardBatch:
    """A new batch of cards for a station, with its own short code."""
    batch = CardBatch(station_id=station.id, label=_clean_label(label), short_code=_unused_code())
    batch.station = station
    session = db.session()
    session.add(batch)
    session.flush()
    audit.record("card_batch_create", actor, target=f"station:{station.code}", batch=batch.id)
    return batch


def revoke_batch(batch: CardBatch, actor: StaffUser | None = None) -> None:
    """Stop routing a batch to its station: its cards still work, for the coordinator."""
    if batch.revoked_at is not None:
        raise CardError("already_revoked")
    batch.revoked_at = utcnow()
    db.session().flush()
    audit.record("card_batch_revoke", actor, target=f"station:{batch.station.code}", batch=batch.id)


def restore_batch(batch: CardBatch, actor: StaffUser | None = None) -> None:
    """Undo a revocation: the batch's cards reach their station again."""
    if batch.revoked_at is None:
        raise CardError("not_revoked")
    batch.revoked_at = None
    db.session().flush()
    audit.record(
        "card_batch_restore", actor, target=f"station:{batch.station.code}", batch=batch.id
    )


def replace_batch(batch: CardBatch, actor: StaffUser | None = None) -> CardBatch:
    """Revoke a batch (unless it already is) and make a new one with the same label."""
    if batch.revoked_at is None:
        revoke_batch(batch, actor)
    return new_batch(batch.station, batch.label, actor)


def batch_by_id(batch_id: int) -> CardBatch | None:
    """The batch with this id (the back office's addresses name batches by id)."""
    return db.session().get(CardBatch, batch_id)


def batch_by_code(text: str) -> CardBatch | None:
    """The batch a printed (or typed) short code names."""
    code = card_codes.normalise(text)
    if code is None:
        return None
    return db.session().scalars(select(CardBatch).where(CardBatch.short_code == code)).first()


def station_batches(station: Station) -> list[CardBatch]:
    """Every batch of a station, the newest first."""
    query = select(CardBatch).where(CardBatch.station_id == station.id)
    return list(db.session().scalars(query.order_by(CardBatch.id.desc())))


def request_counts(station: Station) -> dict[int, int]:
    """How many requests came from each of a station's batches: counts only."""
    rows = db.session().execute(
        select(CallbackRequest.card_batch_id, func.count())
        .join(CardBatch, CardBatch.id == CallbackRequest.card_batch_id)
        .where(CardBatch.station_id == station.id)
        .group_by(CallbackRequest.card_batch_id)
    )
    return {batch_id: count for batch_id, count in rows if batch_id is not None}


def current_batch(station: Station, label: str | None = None) -> CardBatch:
    """The station's newest batch still valid, created when there is none (or a label is given)."""
    batch = None
    if label is None:
        batch = (
            db.session()
            .scalars(
                select(CardBatch)
                .where(CardBatch.station_id == station.id, CardBatch.revoked_at.is_(None))
                .order_by(CardBatch.id.desc())
            )
            .first()
        )
    if batch is None:
        batch = new_batch(station, label or f"{station.name} cards")
    return batch
