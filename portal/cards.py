"""Signed codes printed on business cards: they name a station and a card batch."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from . import db
from .models import CardBatch, Station
from .urls import public_url

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


def read_card(code: str) -> Card | None:
    """The card a code stands for, or None for a tampered, malformed or unknown code."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
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
    # A closed station's cards must not feed a queue nobody reads any more.
    station = None if batch.revoked_at or not batch.station.active else batch.station
    return Card(batch=batch, station=station)


def card_link(batch: CardBatch, lang: str | None = None) -> str:
    """The address printed on the card."""
    if lang:
        return public_url("public.card_form", lang=lang, code=card_code(batch))
    return public_url("public.card_without_language", code=card_code(batch))


def current_batch(station: Station, label: str | None = None) -> CardBatch:
    """The station's newest batch still valid, created when there is none (or a label is given)."""
    session = db.session()
    batch = None
    if label is None:
        batch = session.scalars(
            select(CardBatch)
            .where(CardBatch.station_id == station.id, CardBatch.revoked_at.is_(None))
            .order_by(CardBatch.id.desc())
        ).first()
    if batch is None:
        batch = CardBatch(station_id=station.id, label=label or f"{station.name} cards")
        session.add(batch)
        session.flush()
    return batch
