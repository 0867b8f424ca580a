"""The addresses a card leads to: `/<code>` lands on the form's plain address, the card kept in
the session, so that history and the new-tab page never keep the code; guessing is limited on
every method, and the answer is the same for a code that names a card and one that does not."""

from __future__ import annotations

from flask import abort, current_app, redirect, session, url_for
from werkzeug.wrappers import Response

from portal.core import crypto
from portal.core.extensions import limiter
from portal.core.i18n import best_language, public_languages
from portal.intake import card_codes
from portal.public.blueprint import bp
from portal.stations.cards import Card, read_short_code

# A card kept for the form stays usable this long (seconds), as long as a form stays valid.
CARD_MAX_AGE = 4 * 3600
SESSION_KEY = "card"
# Every method counts: a HEAD or a POST looks a code up as much as a GET.
LOOKUP_METHODS = ["GET", "HEAD", "POST"]


def _card_code_limits() -> str:
    return str(current_app.config["CARD_CODE_LIMITS"])


# Per client address, shared by every address that looks a card code up.
card_code_limit = limiter.shared_limit(
    _card_code_limits, scope="card-codes", methods=LOOKUP_METHODS
)


def remember_typed_code(typed: str) -> None:
    """Keep what she typed and whether it names a card, sealed: the cookie's size and content
    say nothing of the answer (the same length of text gives the same length of cookie)."""
    normal = card_codes.normalise(typed)
    found = normal is not None and read_short_code(normal) is not None
    session[SESSION_KEY] = crypto.seal({"typed": typed, "found": int(found)})


def card_in_session() -> tuple[Card | None, str | None]:
    """(the card kept for the form, the code she typed when it named no card)."""
    sealed = session.get(SESSION_KEY)
    data = crypto.unseal(sealed, CARD_MAX_AGE) if isinstance(sealed, str) else None
    if not data:
        return None, None
    typed = str(data.get("typed", ""))
    card = read_short_code(typed) if data.get("found") else None
    return card, (None if card else typed)


def forget_card() -> None:
    session.pop(SESSION_KEY, None)


def _to(target: str) -> Response:
    response = redirect(target, 302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/")
def root() -> Response:
    return _to(url_for(".request_form", lang=best_language()))


@bp.get("/c/<path:code>")
def card_without_language(code: str) -> Response:
    return _to(url_for(".card_form", lang=best_language(), code=code))


@bp.get("/<code>")
@card_code_limit
def short_card(code: str) -> Response:
    """The address printed on a card: the form's plain address in the best language.

    Whether the code names a card or not, the answer is the same redirect; the form then says
    which card it is for, or that the code was not recognised.
    """
    if not card_codes.could_be_typed(code):
        abort(404)
    if code in public_languages():
        return _to(url_for(".request_form", lang=code))
    remember_typed_code(code)
    return _to(url_for(".request_form", lang=best_language()))
