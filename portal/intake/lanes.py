"""Lanes instead of a global refusal: trust decides where a request waits, never whether it is kept.

A request with a valid card or an officer's referral goes to the queue at any volume; one with a
solved proof of work, within a bounded rate (per station and overall). Unknown requests go to the
queue too, up to a set rate (UNKNOWN_RATE); beyond it they are still stored and confirmed, in the
"to check" lane the coordinator clears. Every rate is counted in the rate-limit storage, shared
between processes. The first overflow of a period sends her a notice.
"""

from __future__ import annotations

import enum
import logging
import re

from flask import current_app
from limits import parse

from portal.core import crypto, limit_counters
from portal.core.extensions import client_address
from portal.models import Lane
from portal.stations.cards import Card

log = logging.getLogger(__name__)


class Trust(enum.StrEnum):
    """What earns a request its place in the queue whatever the volume."""

    CARD = "card"
    REFERRAL = "referral"
    PROOF = "proof"
    NONE = "none"


def trust_of(card: Card | None, proof_solved: bool = False) -> str:
    """A valid card (one cards.py reads and routes to a station) or a solved proof earns trust."""
    if card is not None and card.station is not None:
        return Trust.CARD.value
    if proof_solved:
        return Trust.PROOF.value
    return Trust.NONE.value


def _within_rate(key: str, rate: str) -> bool:
    """Count one hit; True while under the rate. A counter that cannot be reached says yes."""
    try:
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
        return bool(
            limit_counters.count(lambda counter: counter.hit(parse(rate), prefix, "lanes", key))
        )
    except Exception:  # the request is stored either way: a dead counter must not refuse it
        log.warning("lane counter unavailable")
        return True


def proof_within_rate(station_id: int | None) -> bool:
    """Whether a solved proof of work still earns the queue: within PROOF_STATION_RATE for its
    station and PROOF_RATE for all together. A proof costs a bot little (bench/proof_cost.py), so
    it buys a bounded rate, never a place at any volume; beyond it, the request is unknown."""
    config = current_app.config
    station = f"proof-station-{station_id if station_id is not None else 'none'}"
    return _within_rate(station, config["PROOF_STATION_RATE"]) and _within_rate(
        "proof", config["PROOF_RATE"]
    )


def lane_for_unknown() -> str:
    """The queue while unknown requests come at a person's pace, "to check" beyond UNKNOWN_RATE."""
    if _within_rate("unknown", current_app.config["UNKNOWN_RATE"]):
        return Lane.QUEUE.value
    return Lane.CHECK.value


def flood_notice_due() -> bool:
    """True for the first overflow into "to check" of each FLOOD_NOTICE_EVERY period: the one
    notice that covers every request of the flood."""
    if not _within_rate("flood-notice", current_app.config["FLOOD_NOTICE_EVERY"]):
        return False
    log.warning("flood: requests overflow into the to-check lane")
    return True


def network_label() -> str:
    """A keyed hash of the sender's network (IPv4 /24, IPv6 /64): groups a flood, names nobody."""
    client = client_address()
    if "." in client and ":" not in client:
        client = client.rsplit(".", 1)[0] + ".0/24"
    return crypto.blind_index(client, purpose="network")[:16]


_SPACES = re.compile(r"\s+")


def text_label(*texts: str | None) -> str | None:
    """A keyed hash of the free text, so that identical messages group without being read."""
    joined = " ".join(_SPACES.sub(" ", t).strip().casefold() for t in texts if t)
    if not joined:
        return None
    return crypto.blind_index(joined, purpose="text")[:16]
