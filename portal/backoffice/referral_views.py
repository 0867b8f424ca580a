"""Referrals by police officers and gendarmes: write-only, into their station's queue."""

from __future__ import annotations

from flask import Response, current_app, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter import RequestLimit

from portal.backoffice.blueprint import area, bp
from portal.backoffice.referral_forms import ReferralForm
from portal.casework import referrals
from portal.casework.windows import SLOTS, window_label
from portal.core import db
from portal.core.extensions import client_address, limiter
from portal.core.fields import PhoneRefused, add_error, phone_e164
from portal.core.i18n import language_name
from portal.intake.callbacks import RequestDetails, StorageError, submit_request
from portal.intake.safety_choices import day_choices
from portal.models import RequestSource
from portal.staff import audit
from portal.staff.access import Area
from portal.stations import registry


def referral_form(form_class: type[ReferralForm] = ReferralForm, **data: object) -> ReferralForm:
    """The form with its choices: the windows, the days, the call languages, her stations."""
    form = form_class(**data)
    form.windows.choices = [(slot, window_label(slot)) for slot in SLOTS]
    form.days.choices = day_choices()
    form.call_language.choices = [
        (code, language_name(code)) for code in current_app.config["CALL_LANGUAGES"]
    ]
    form.station.choices = [(str(s.id), s.name) for s in g.staff.stations]
    return form


def details_of(form: ReferralForm) -> RequestDetails | None:
    """What the referral asks for, or None with the errors added to the form."""
    try:
        phone = phone_e164(form.phone.data or "")
    except PhoneRefused:
        add_error(form.phone, _("This phone number does not look right."))
        phone = None
    if not form.windows.data:
        add_error(form.windows, _("Choose at least one time when it is safe to call."))
    if phone is None or not form.windows.data:
        return None
    return RequestDetails(
        phone_e164=phone,
        call_language=form.call_language.data,
        page_language=str(form.call_language.data),
        safe_windows=list(form.windows.data),
        safe_days=form.safe_days,
        # A characterised danger is urgent, whatever the box says.
        urgent=form.urgent.data or form.danger_characterised,
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
        danger_characterised=form.danger_characterised,
        danger_red_answers=form.red_answers.data,
    )


def _officer_key() -> str:
    """Referrals are counted per staff account, wherever the officer sends them from."""
    staff = g.get("staff")
    return f"staff:{staff.id}" if staff is not None else f"address:{client_address()}"


def _referral_limits() -> str:
    return str(current_app.config["REFERRAL_LIMITS"])


def _too_many(_limit: RequestLimit) -> Response:
    """The form again, as she filled it in, and why nothing was sent."""
    page = render_template("staff/referral.html", form=referral_form(), too_many=True)
    return current_app.response_class(page, status=429)


@bp.route("/referral", methods=["GET", "POST"])
@limiter.limit(_referral_limits, key_func=_officer_key, methods=["POST"], on_breach=_too_many)
@area(Area.REFERRAL)
def referral() -> ResponseReturnValue:
    form = referral_form()
    if form.validate_on_submit():
        details = details_of(form)
        if details is not None:
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
