"""Callback requests, the lanes and states they move through, and the attempts to call."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.models.common import utcnow

if TYPE_CHECKING:
    from portal.models.staff import StaffUser
    from portal.models.stations import CardBatch, Station


class Lane(enum.StrEnum):
    """Where a request waits: the queue, or "to check" when it came in a flood without trust."""

    QUEUE = "queue"
    CHECK = "check"


class RequestStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.NEW.value, RequestStatus.IN_PROGRESS.value)


class Outcome(enum.StrEnum):
    """How a request ended."""

    ACCOMPANIED = "accompanied"
    ORIENTED = "oriented"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"
    SPAM = "spam"


class AttemptOutcome(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    SOMEONE_ELSE = "someone_else"
    WRONG_NUMBER = "wrong_number"
    VOICEMAIL = "voicemail"
    SMS_SENT = "sms_sent"


class KnownToServices(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class RequestSource(enum.StrEnum):
    SELF = "self"
    REFERRAL = "referral"


class CallbackRequest(Base):
    __tablename__ = "callback_request"
    __table_args__ = (
        Index("ix_request_queue", "status", "urgent", "created_at", "id"),
        Index("ix_request_station_queue", "station_id", "status", "urgent", "created_at", "id"),
        Index("ix_request_closed", "status", "closed_at"),
        Index("ix_request_referrer", "referrer_id", "created_at"),
        Index("ix_request_lane", "lane", "status", "created_at"),
        Index("ix_request_rank_queue", "status", "calling_rank", "created_at", "id"),
        Index(
            "ix_request_station_rank_queue",
            "station_id",
            "status",
            "calling_rank",
            "created_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    card_batch_id: Mapped[int | None] = mapped_column(ForeignKey("card_batch.id"))
    source: Mapped[str] = mapped_column(String(16), default=RequestSource.SELF.value)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.NEW.value)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # "HH:MM-HH:MM" in Europe/Paris time; the end may come before the start (overnight).
    safe_windows: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Safe weekdays (Monday 0); None or empty: any day (requests made before days were asked).
    safe_days: Mapped[list[int] | None] = mapped_column(JSON)
    # The windows on those days as bits (casework.windows): the queue sorts on "safe now" in SQL.
    window_mask: Mapped[int] = mapped_column(BigInteger, default=0)
    voicemail_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_only: Mapped[bool] = mapped_column(Boolean, default=False)
    call_language: Mapped[str] = mapped_column(String(8))
    page_language: Mapped[str] = mapped_column(String(8))
    do_not_call_after: Mapped[dt.date | None] = mapped_column(Date)
    # Personal data, encrypted by portal.core.crypto; never stored in clear.
    phone_enc: Mapped[str | None] = mapped_column(Text)
    name_enc: Mapped[str | None] = mapped_column(Text)
    message_enc: Mapped[str | None] = mapped_column(Text)
    cover_story_enc: Mapped[str | None] = mapped_column(Text)
    # Keyed hash of the phone number, to find open requests from the same number.
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    cancel_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Work on the request.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # The outcome of the latest call attempt, so the queue shows it without reading attempts.
    last_attempt_outcome: Mapped[str | None] = mapped_column(String(16))
    # Set when someone else answered: it stays until a social worker clears it (audited).
    risk_flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    close_note_enc: Mapped[str | None] = mapped_column(Text)
    known_to_services: Mapped[str | None] = mapped_column(String(8))
    # Set on arrival: the first open request from the same number (the entry it joins), and
    # whether the requests of that entry give different details (name, windows, cover story).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("callback_request.id"))
    name_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    # The lane (portal.intake.lanes): the queue, or "to check" for untrusted requests beyond a rate.
    lane: Mapped[str] = mapped_column(String(8), default=Lane.QUEUE.value)
    # What earned its place: card, referral, proof (of work) or none.
    trust: Mapped[str] = mapped_column(String(8), default="none")
    # Only while "to check": keyed hashes of the network prefix and of the text, for grouping.
    network_label: Mapped[str | None] = mapped_column(String(16))
    text_label: Mapped[str | None] = mapped_column(String(16))
    # Later requests written over this one once its number reached the per-number bound.
    folded_count: Mapped[int] = mapped_column(Integer, default=0)
    # Its place in the queue (portal.casework.ranking): what earned it, urgency, the danger grid.
    calling_rank: Mapped[int] = mapped_column(SmallInteger, default=4)
    # An officer's danger assessment (the national grid): characterised or not, and how many of
    # its five "red" questions were answered yes. Never the answers themselves.
    danger_characterised: Mapped[bool] = mapped_column(Boolean, default=False)
    danger_red_answers: Mapped[int | None] = mapped_column(SmallInteger)
    # When the officer last corrected her referral, and the fields she changed (names only).
    corrected_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    corrected_fields: Mapped[list[str] | None] = mapped_column(JSON)
    # An interpreter booked for the call: when, with which service, and a note (encrypted: it
    # may name the person or her situation).
    interpreter_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    interpreter_service: Mapped[str | None] = mapped_column(String(80))
    interpreter_note_enc: Mapped[str | None] = mapped_column(Text)

    station: Mapped[Station | None] = relationship()
    card_batch: Mapped[CardBatch | None] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship(foreign_keys=[assigned_to_id])
    attempts: Mapped[list[CallAttempt]] = relationship(
        back_populates="request", order_by="CallAttempt.id"
    )

    # Every change checks the version it read: two people never overwrite each other unknowingly.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CallAttempt(Base):
    __tablename__ = "call_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_request.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    note_enc: Mapped[str | None] = mapped_column(Text)

    request: Mapped[CallbackRequest] = relationship(back_populates="attempts")
    staff: Mapped[StaffUser | None] = relationship()


class RequestCode(Base):
    """A confirmation code shown for a request that was written over another one: the code
    stays valid and opens the request it was written into (the first code lives in the row)."""

    __tablename__ = "request_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("callback_request.id", ondelete="CASCADE"), index=True
    )


class SpamDecision(Base):
    """A group of requests to check closed as spam at once, kept so that it can be undone."""

    __tablename__ = "spam_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The group's name as the coordinator read it ("network 1", "Monday 11:00–11:10").
    label: Mapped[str] = mapped_column(String(120))
    request_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
