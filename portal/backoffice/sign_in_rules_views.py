"""The coordinator's say on sign-in: which roles must use the OpenID provider, and unlocking an
account that password guessers locked."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ROLE_LABELS, ConfirmForm
from portal.core import db
from portal.core.fields import MultiCheckboxField
from portal.models import StaffUser
from portal.staff import oidc, password_sign_in, sign_in_rules
from portal.staff.access import Area


class SignInRulesForm(FlaskForm):
    oidc_roles = MultiCheckboxField(
        _l("Roles that sign in only through the identity provider"),
        choices=list(ROLE_LABELS.items()),
    )


@bp.route("/sign-in-rules", methods=["GET", "POST"])
@area(Area.ACCOUNTS)
def sign_in_rules_page() -> ResponseReturnValue:
    form = SignInRulesForm()
    if form.validate_on_submit():
        sign_in_rules.require_oidc(set(form.oidc_roles.data or []), g.staff)
        flash(_("The sign-in rules are saved."))
        return redirect(url_for("staff.sign_in_rules_page"), 303)
    if not form.is_submitted():
        form.oidc_roles.data = sorted(sign_in_rules.roles_requiring_oidc())
    return render_template(
        "staff/sign_in_rules.html", form=form, provider=oidc.label() if oidc.enabled() else None
    )


@bp.post("/users/<int:user_id>/unlock")
@area(Area.ACCOUNTS)
def unlock_user(user_id: int) -> ResponseReturnValue:
    user = db.session().get(StaffUser, user_id)
    if user is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        password_sign_in.unlock(user, g.staff)
        flash(_("The account is unlocked."))
    return redirect(url_for("staff.edit_user", user_id=user.id), 303)
