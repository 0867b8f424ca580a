"""A number's entry: its open requests, what they share (a risk flag, "different details"), its
head in the queue, and the newest request written over at the per-number bound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, func, insert, select, update

from portal.casework.ranking import calling_rank
from portal.core import crypto, db
from portal.models import OPEN_STATUSES, CallbackRequest, Lane, utcnow


class NewcomerDetails(Protocol):
    """What the entry reads of a request joining it."""

    name: str | None
    cover_story: str | None
    safe_windows: list[str]
    urgent: bool
    danger_characterised: bool


requests_table = db.table_of(CallbackRequest)
# Built once: they run on every submission.
OPEN_SIBLINGS = (
    select(
        requests_table.c.id,
        requests_table.c.lane,
        requests_table.c.name_enc,
        requests_table.c.cover_story_enc,
        requests_table.c.safe_windows,
        requests_table.c.urgent,
        requests_table.c.trust,
        requests_table.c.calling_rank,
        requests_table.c.name_conflict,
    )
    .where(
        requests_table.c.phone_index == bindparam("phone_index"),
        requests_table.c.status.in_(OPEN_STATUSES),
    )
    .order_by(requests_table.c.id)
)
INSERT_REQUEST = insert(requests_table)
UPDATE_REQUEST = update(requests_table).where(requests_table.c.id == bindparam("target"))


@dataclass(frozen=True)
class Sibling:
    """An open request from the same number, as the fold needs it (personal fields encrypted)."""

    id: int
    lane: str
    name_enc: str | None
    cover_story_enc: str | None
    safe_windows: list[str]
    urgent: bool
    trust: str
    calling_rank: int
    name_conflict: bool


# A "someone else answered" flag on any request of the number, open or closed, not yet cleared.
RISK_OF_NUMBER = select(func.max(requests_table.c.risk_flagged_at)).where(
    requests_table.c.phone_index == bindparam("phone_index")
)


def open_siblings(connection: Connection, phone_index: str) -> list[Sibling]:
    """The open requests from the same number, oldest first: the first one heads the entry."""
    rows = connection.execute(OPEN_SIBLINGS, {"phone_index": phone_index})
    return [Sibling(*row) for row in rows]


def _folded(text: str | None) -> str:
    return (text or "").strip().casefold()


def details_differ(details: NewcomerDetails, siblings: list[Sibling]) -> bool:
    """Another name, other windows or another cover story for one number may mean that someone
    else uses it: the social worker is warned before calling."""
    for other in siblings:
        if sorted(other.safe_windows or []) != sorted(details.safe_windows):
            return True
        pairs = ((details.name, other.name_enc), (details.cover_story, other.cover_story_enc))
        for mine, token in pairs:
            theirs = crypto.decrypt(token) if token and mine else None
            if mine and theirs and _folded(mine) != _folded(theirs):
                return True
    return False


PROMOTE_ENTRY = (
    update(requests_table)
    .where(
        requests_table.c.phone_index == bindparam("number_index"),
        requests_table.c.status.in_(OPEN_STATUSES),
        requests_table.c.lane == Lane.CHECK.value,
    )
    .values(
        lane=Lane.QUEUE.value,
        network_label=None,
        text_label=None,
        version=requests_table.c.version + 1,
    )
)


def update_head(
    connection: Connection,
    head: Sibling,
    details: NewcomerDetails,
    lane: str,
    trust: str,
    phone_index: str,
) -> None:
    """The entry takes what the newcomer brings: urgency, a better rank, a trusted lane."""
    changes: dict[str, Any] = {}
    if details.urgent:
        changes["urgent"] = True
    rank = min(
        head.calling_rank,
        calling_rank(details.urgent, trust, details.danger_characterised),
        calling_rank(head.urgent or details.urgent, head.trust),
    )
    if rank != head.calling_rank:
        changes["calling_rank"] = rank
    if changes:
        # The version moves on, so that a social worker acting on the old state is told.
        statement = UPDATE_REQUEST.values(version=requests_table.c.version + 1, **changes)
        connection.execute(statement, {"target": head.id})
    if lane == Lane.QUEUE.value and head.lane != lane:
        connection.execute(PROMOTE_ENTRY, {"number_index": phone_index})


# "Different details" belongs to the number: every request of it carries the warning.
DETAILS_DIFFER = (
    update(requests_table)
    .where(
        requests_table.c.phone_index == bindparam("number_index"), ~requests_table.c.name_conflict
    )
    .values(name_conflict=True, version=requests_table.c.version + 1)
)


def fold_over_newest(
    connection: Connection, siblings: list[Sibling], values: dict[str, Any]
) -> int:
    """Write the request over the newest one of its number: the bound on what one number stores."""
    newest = siblings[-1]
    if newest.id != siblings[0].id:
        values["created_at"] = utcnow()
    else:  # the head keeps its place in the queue and its lane; update_head may promote it
        values.pop("lane")
        values.pop("calling_rank")
    values = {key: value for key, value in values.items() if key != "cancel_hash"}
    statement = UPDATE_REQUEST.values(
        folded_count=requests_table.c.folded_count + 1,
        version=requests_table.c.version + 1,
        **values,
    )
    connection.execute(statement, {"target": newest.id})
    return newest.id
