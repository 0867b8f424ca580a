"""An officer corrects or withdraws one of her own referrals while it is still open."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.backoffice.referral_forms import CORRECTED_FIELD_LABELS, CorrectionForm
from portal.backoffice.referral_views import details_of, referral_form
from portal.casework import referral_changes
from portal.casework.referral_changes import ReferralContents
from portal.models import CallbackRequest
from portal.staff.access import Area


def _own_or_404(request_id: int) -> CallbackRequest:
    found = referral_changes.own_open_referral(g.staff, request_id)
    if found is None:
        abort(404)
    return found


def _filled(req: CallbackRequest, contents: ReferralContents) -> dict[str, object]:
    """The correction form's starting values: the referral as it stands."""
    return {
        "phone": contents.phone,
        "name": contents.name,
        "notes": contents.notes,
        "if_someone_else": contents.cover_story,
        "windows": list(req.safe_windows),
        "days": [str(d) for d in req.safe_days or []],
        "call_language": req.call_language,
        "voicemail_ok": req.voicemail_ok,
        "sms_ok": req.sms_ok,
        "sms_only": req.sms_only,
        "no_call_after": req.do_not_call_after,
        "urgent": req.urgent,
        "danger_grid": "yes" if req.danger_characterised else "no",
        "red_answers": req.danger_red_answers,
        "station": str(req.station_id) if req.station_id else None,
    }


@bp.route("/referrals/<int:request_id>/correct", methods=["GET", "POST"])
@area(Area.REFERRAL)
def referral_correct(request_id: int) -> ResponseReturnValue:
    req = _own_or_404(request_id)
    form = referral_form(CorrectionForm)
    if not form.is_submitted():
        contents = referral_changes.read_contents(g.staff, req)
        form = referral_form(CorrectionForm, formdata=None, data=_filled(req, contents))
    elif form.validate():
        details = details_of(form)
        if details is not None:
            changed = referral_changes.correct(g.staff, req, details)
            if changed:
                words = ", ".join(str(CORRECTED_FIELD_LABELS[f]) for f in changed)
                flash(_("Referral %(ref)s corrected: %(fields)s.", ref=req.reference, fields=words))
            else:
                flash(_("Nothing was changed in referral %(ref)s.", ref=req.reference))
            return redirect(url_for("staff.my_referrals"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "staff/referral.html", form=form, correcting=req, withdraw_form=ConfirmForm()
    ), status


@bp.route("/referrals/<int:request_id>/withdraw", methods=["POST"])
@area(Area.REFERRAL)
def referral_withdraw(request_id: int) -> ResponseReturnValue:
    """Withdrawing asks first; nothing changes before the confirmation."""
    req = _own_or_404(request_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.my_referrals"), 303)
    if request.form.get("confirmed") != "1":
        return render_template("staff/referral_withdraw.html", req=req, form=ConfirmForm())
    referral_changes.withdraw(g.staff, req)
    flash(_("Referral %(ref)s withdrawn: it left the social worker's queue.", ref=req.reference))
    return redirect(url_for("staff.my_referrals"), 303)
