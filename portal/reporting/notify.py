"""E-mail to staff: notices when a request arrives, and invitation links. Off unless SMTP is
configured.

A notice says only that something arrived for a station: never a phone number, a name or a message.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import db
from portal.core.urls import public_url
from portal.models import StaffUser, staff_station
from portal.staff import access
from portal.stations import registry

log = logging.getLogger(__name__)


def recipients(station_id: int | None) -> list[str]:
    """Addresses of the active social workers of a station (coordinators when there is none)."""
    query = select(StaffUser.email).where(StaffUser.active, StaffUser.email.is_not(None))
    if station_id is not None:
        query = query.join(staff_station).where(
            staff_station.c.station_id == station_id, access.role_among(access.STATION_WORKERS)
        )
    else:
        query = query.where(access.role_among(access.COORDINATORS))
    found = [email for email in db.session().scalars(query) if email]
    if not found and station_id is not None:
        return recipients(None)
    return found


def compose(station_id: int | None, urgent: bool, to: list[str]) -> EmailMessage:
    """The notice, in every back-office language (the first one in the subject)."""
    config = current_app.config
    station = registry.station_by_id(station_id)
    queue_url = public_url("staff.home")
    subjects, paragraphs = [], []
    for lang in config["STAFF_LANGUAGES"]:
        with force_locale(lang):
            where = station.name if station else _("coordination")
            subject = _("New callback request – %(where)s", where=where)
            subjects.append(_("[URGENT] %(subject)s", subject=subject) if urgent else subject)
            paragraphs.append(
                _("A new callback request has arrived (%(where)s).", where=where)
                + "\n"
                + _("Open the queue: %(url)s", url=queue_url)
            )
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = subjects[0]
    message.set_content("\n\n".join(paragraphs) + "\n")
    return message


def _send(settings: dict[str, Any], message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(settings["SMTP_HOST"], settings["SMTP_PORT"], timeout=10) as smtp:
            if settings["SMTP_STARTTLS"]:
                smtp.starttls()
            if settings["SMTP_USERNAME"]:
                smtp.login(settings["SMTP_USERNAME"], settings["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # The request itself is stored; a lost notice is logged, never shown to the person.
        log.warning("notice not sent: %s", type(exc).__name__)


def enabled() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def _dispatch(message: EmailMessage) -> threading.Thread:
    """Send in the background with the settings read now, inside the app."""
    config = current_app.config
    keys = ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_USERNAME", "SMTP_PASSWORD")
    settings = {key: config[key] for key in keys}
    thread = threading.Thread(target=_send, args=(settings, message), daemon=True)
    thread.start()
    return thread


def new_request(station_id: int | None, urgent: bool) -> threading.Thread | None:
    """Tell the station's social workers, in the background, that a request arrived."""
    if not enabled():
        return None
    try:
        to = recipients(station_id)
        if not to:
            return None
        message = compose(station_id, urgent, to)
    except Exception:  # a notice must never undo a stored request
        log.warning("notice not prepared", exc_info=False)
        return None
    return _dispatch(message)


def compose_invitation(user: StaffUser, link: str, hours: int) -> EmailMessage:
    """The invitation, in every back-office language: the link, how long it lasts, what it does."""
    config = current_app.config
    subjects, paragraphs = [], []
    for lang in config["STAFF_LANGUAGES"]:
        with force_locale(lang):
            subjects.append(_("Your account on the callback portal"))
            paragraphs.append(
                _("Hello %(name)s,", name=user.display_name)
                + "\n"
                + _(
                    "An account was opened for you (username: %(username)s). To set your password "
                    "and your authenticator app, open this link within %(hours)d hours; it works "
                    "once:",
                    username=user.username,
                    hours=hours,
                )
                + "\n"
                + link
                + "\n"
                + _("If you did not expect this message, tell the coordination and do not open it.")
            )
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = user.email or ""
    message["Subject"] = subjects[0]
    message.set_content("\n\n".join(paragraphs) + "\n")
    return message


def compose_flood_notice(to: list[str]) -> EmailMessage:
    """The notice that a flood started, in every back-office language; nothing personal."""
    config = current_app.config
    triage_url = public_url("staff.triage_list")
    subjects, paragraphs = [], []
    for lang in config["STAFF_LANGUAGES"]:
        with force_locale(lang):
            subjects.append(_("Many requests at once: some are waiting to be checked"))
            paragraphs.append(
                _(
                    "Requests without a card or a referral are arriving faster than usual. "
                    'Each one is stored; those beyond the usual rate wait in the "to check" '
                    "list."
                )
                + "\n"
                + _("Check them: %(url)s", url=triage_url)
            )
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = subjects[0]
    message.set_content("\n\n".join(paragraphs) + "\n")
    return message


def invitation(user: StaffUser, link: str) -> threading.Thread | None:
    """E-mail the invitation link to the person, when e-mail is set up and they have an address."""
    if not enabled() or not user.email:
        return None
    hours = int(current_app.config["INVITATION_HOURS"])
    return _dispatch(compose_invitation(user, link, hours))


def flood_started() -> threading.Thread | None:
    """Tell the coordinators, in the background, that requests overflow into "to check"."""
    config = current_app.config
    log.warning("flood: requests overflow into the to-check lane")
    if not config["SMTP_HOST"]:
        return None
    try:
        to = recipients(None)
        if not to:
            return None
        message = compose_flood_notice(to)
    except Exception:  # a notice must never undo a stored request
        log.warning("flood notice not prepared", exc_info=False)
        return None
    return _dispatch(message)
