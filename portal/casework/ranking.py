"""Who comes first in the queue: a rank given to each request when it arrives.

An officer's referral with a characterised danger (the national danger grid) comes first. Then what
a bot cannot buy cheaply, a card handed out by an officer or a referral, urgent before the rest.
Then the requests that bring only her word, or a solved proof of work: urgent before the rest.
Within a rank the queue puts the requests whose safe window is open now first, then the oldest.
"""

from __future__ import annotations

import enum

from portal.intake.lanes import Trust


class Rank(enum.IntEnum):
    DANGER_CHARACTERISED = 0
    URGENT_TRUSTED = 1
    TRUSTED = 2
    URGENT = 3
    OTHER = 4


# What earns a place whatever the volume: a proof of work only buys a bounded rate (lanes).
TRUSTED = frozenset({Trust.CARD.value, Trust.REFERRAL.value})


def calling_rank(urgent: bool, trust: str, danger_characterised: bool = False) -> int:
    """The rank of a request from its urgency, what earned its place and the officer's grid."""
    if danger_characterised and trust == Trust.REFERRAL:
        return Rank.DANGER_CHARACTERISED.value
    if trust in TRUSTED:
        return (Rank.URGENT_TRUSTED if urgent else Rank.TRUSTED).value
    return (Rank.URGENT if urgent else Rank.OTHER).value
