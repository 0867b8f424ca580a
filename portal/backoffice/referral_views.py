"""Referrals by police officers and gendarmes: write-only, into their station's queue."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ReferralForm
from portal.casework import referrals
from portal.casework.windows import SLOTS, window_label
from portal.core import db
from portal.core.fields import PhoneRefused, add_error, phone_e164
from portal.core.i18n import language_name
from portal.core.timezone import paris_today
from portal.intake.callbacks import RequestDetails, StorageError, submit_request
from portal.models import RequestSource
from portal.staff import audit
from portal.staff.access import Area
from portal.stations import registry


def _referral_form() -> ReferralForm:
    form = ReferralForm()
    form.windows.choices = [(slot, window_label(slot)) for slot in SLOTS]
    form.call_language.choices = [
        (code, language_name(code)) for code in current_app.config["CALL_LANGUAGES"]
    ]
    form.station.choices = [(str(s.id), s.name) for s in g.staff.stations]
    return form


def _normalised_phone(form: ReferralForm) -> str | None:
    try:
        return phone_e164(form.phone.data or "")
    except PhoneRefused:
        add_error(form.phone, _("This phone number does not look right."))
        return None


def _last_day(form: ReferralForm) -> bool:
    """The do-not-call-after date, when given, is today or later, within three years."""
    day = form.no_call_after.data
    if day is None:
        return True
    if day < paris_today():
        add_error(form.no_call_after, _("Choose today or a later date."))
        return False
    if day > paris_today() + dt.timedelta(days=3 * 366):
        add_error(form.no_call_after, _("Choose a date in the next three years."))
        return False
    return True


@bp.route("/referral", methods=["GET", "POST"])
@area(Area.REFERRAL)
def referral() -> ResponseReturnValue:
    form = _referral_form()
    if form.validate_on_submit():
        phone = _normalised_phone(form)
        if not form.windows.data:
            add_error(form.windows, _("Choose at least one time when it is safe to call."))
        last_day_ok = _last_day(form)
        if phone and form.windows.data and last_day_ok:
            details = RequestDetails(
                phone_e164=phone,
                call_language=form.call_language.data,
                page_language=str(form.call_language.data),
                safe_windows=list(form.windows.data),
                urgent=form.urgent.data,
                name=form.name.data or None,
                message=form.notes.data or None,
                voicemail_ok=form.voicemail_ok.data,
                sms_ok=form.sms_ok.data or form.sms_only.data,
                sms_only=form.sms_only.data,
                cover_story=(form.if_someone_else.data or "").strip() or None,
                do_not_call_after=form.no_call_after.data,
                station_id=registry.open_station_id(int(form.station.data)),
                source=RequestSource.REFERRAL.value,
                referrer_id=g.staff.id,
            )
            try:
                submitted = submit_request(details, connection=db.session().connection())
            except StorageError:
                return render_template("staff/error.html", status=503, csrf=False), 503
            audit.record("referral.create", g.staff, target=f"request:{submitted.request_id}")
            # The receipt page reads the id from the signed session, never from the address.
            session["referral_receipt"] = submitted.request_id
            return redirect(url_for("staff.referral_sent"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("staff/referral.html", form=form), status


@bp.get("/referral/sent")
@area(Area.REFERRAL)
def referral_sent() -> ResponseReturnValue:
    request_id = session.get("referral_receipt")
    receipt = None
    if isinstance(request_id, int):
        receipt = referrals.receipt_for(g.staff, request_id)
    return render_template(
        "staff/referral_sent.html",
        receipt=receipt,
        windows=[window_label(w) for w in receipt.safe_windows] if receipt else [],
        first_contact_hours=f"{float(current_app.config['FIRST_CONTACT_HOURS']):g}",
    )


@bp.get("/referrals")
@area(Area.REFERRAL)
def my_referrals() -> ResponseReturnValue:
    return render_template(
        "staff/referrals.html",
        lines=referrals.referrals_of(g.staff),
        limit=referrals.MY_REFERRALS_LIMIT,
    )
