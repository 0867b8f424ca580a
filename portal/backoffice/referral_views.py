"""Referrals by police officers and gendarmes: write-only, into their station's queue."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import audit, db, stations
from ..access import Area
from ..callbacks import RequestDetails, StorageError, submit_request
from ..fields import PhoneRefused, add_error, phone_e164
from ..i18n import language_name
from ..models import RequestSource
from ..windows import SLOTS, window_label
from .blueprint import area, bp
from .forms import ReferralForm


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


@bp.route("/referral", methods=["GET", "POST"])
@area(Area.REFERRAL)
def referral() -> ResponseReturnValue:
    form = _referral_form()
    if form.validate_on_submit():
        phone = _normalised_phone(form)
        if not form.windows.data:
            add_error(form.windows, _("Choose at least one time when it is safe to call."))
        if phone and form.windows.data:
            details = RequestDetails(
                phone_e164=phone,
                call_language=form.call_language.data,
                page_language=str(form.call_language.data),
                safe_windows=list(form.windows.data),
                urgent=form.urgent.data,
                name=form.name.data or None,
                message=form.notes.data or None,
                station_id=stations.open_station_id(int(form.station.data)),
                source=RequestSource.REFERRAL.value,
                referrer_id=g.staff.id,
            )
            try:
                submitted = submit_request(details, db.session().connection())
            except StorageError:
                return render_template("staff/error.html", status=503, csrf=False), 503
            audit.record("referral.create", g.staff, target=f"request:{submitted.request_id}")
            return redirect(url_for("staff.referral_sent"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("staff/referral.html", form=form), status


@bp.get("/referral/sent")
@area(Area.REFERRAL)
def referral_sent() -> ResponseReturnValue:
    return render_template("staff/referral_sent.html")
