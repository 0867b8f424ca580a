"""The coordinator's pages for staff accounts: list, invite, edit, deactivate, reset."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import Field

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ROLE_POWERS, ConfirmForm, EditUserForm, UserForm
from portal.core import db, transactions
from portal.core.fields import add_error
from portal.models import StaffUser
from portal.reporting import notify
from portal.staff import accounts, audit
from portal.staff.access import Area
from portal.stations import registry

ACCOUNT_ERRORS = {
    "bad_username": lambda: _(
        "Use 2 to 63 lower-case letters, digits, dots or dashes, starting with a letter or digit."
    ),
    "username_taken": lambda: _("This username is already taken."),
    "unknown_station": lambda: _("Choose stations from the list."),
    "unknown_role": lambda: _("Choose a role from the list."),
    "station_needed": lambda: _("Social workers and officers need at least one station."),
    "own_role": lambda: _("You cannot remove your own coordinator role."),
    "own_account": lambda: _("You cannot deactivate your own account."),
}


def _error_field(form: UserForm | EditUserForm, code: str, default: Field) -> Field:
    """The field a refusal is about, so the message sits next to what needs changing."""
    if code in ("station_needed", "unknown_station"):
        return form.stations
    return form.role if code == "unknown_role" else default


def _station_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in registry.all_stations()]


def _is_post() -> bool:
    return request.method == "POST"


def _user_or_404(user_id: int) -> StaffUser:
    user = db.session().get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _show_link(user: StaffUser, link: str) -> ResponseReturnValue:
    """Send the invitation by e-mail when that is set up, and show the link all the same."""
    sent_to = user.email if notify.enabled() and user.email else None
    if sent_to:
        audit.record("user.invite_sent", g.staff, target=f"user:{user.id}")
        transactions.after_commit(lambda: notify.invitation(user, link))
    return render_template("staff/invitation_link.html", user=user, link=link, sent_to=sent_to)


@bp.get("/users")
@area(Area.ACCOUNTS)
def users() -> ResponseReturnValue:
    everyone = db.session().scalars(select(StaffUser).order_by(StaffUser.username)).all()
    return render_template("staff/users.html", users=everyone)


@bp.route("/users/new", methods=["GET", "POST"])
@area(Area.ACCOUNTS)
def new_user() -> ResponseReturnValue:
    form = UserForm()
    form.stations.choices = _station_choices()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.username.data or "",
                form.role.data,
                form.stations.data or [],
                form.display_name.data or "",
                actor=g.staff,
                email=form.email.data or None,
            )
        except accounts.AccountError as exc:
            add_error(_error_field(form, exc.code, form.username), ACCOUNT_ERRORS[exc.code]())
        else:
            return _show_link(user, accounts.invitation_link(user, g.staff))
    return render_template("staff/user_new.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@area(Area.ACCOUNTS)
def edit_user(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = EditUserForm(obj=None if _is_post() else user)
    form.stations.choices = _station_choices()
    if not _is_post():
        form.stations.data = [s.code for s in user.stations]
    if form.validate_on_submit():
        confirm = _confirm_role(form, user)
        if confirm is not None:
            return confirm
        try:
            accounts.update_user(
                user,
                form.role.data,
                form.stations.data or [],
                form.display_name.data or "",
                g.staff,
                email=form.email.data or None,
            )
        except accounts.AccountError as exc:
            add_error(_error_field(form, exc.code, form.role), ACCOUNT_ERRORS[exc.code]())
        else:
            flash(_("Changes saved."))
            return redirect(url_for("staff.edit_user", user_id=user.id), 303)
    status = 400 if form.is_submitted() else 200
    page = render_template("staff/user_edit.html", form=form, user=user, confirm=ConfirmForm())
    return page, status


def _confirm_role(form: EditUserForm, user: StaffUser) -> ResponseReturnValue | None:
    """A change of role is shown first with what it does; None once confirmed or unchanged."""
    try:
        change = accounts.role_change(user, form.role.data, form.stations.data or [], g.staff)
    except accounts.AccountError as exc:
        add_error(_error_field(form, exc.code, form.role), ACCOUNT_ERRORS[exc.code]())
        return render_template(
            "staff/user_edit.html", form=form, user=user, confirm=ConfirmForm()
        ), 400
    if change is None or form.role_confirmed.data == form.role.data:
        return None
    page = render_template(
        "staff/user_role_confirm.html",
        form=form,
        user=user,
        change=change,
        powers=ROLE_POWERS,
    )
    return page


@bp.post("/users/<int:user_id>/deactivate")
@area(Area.ACCOUNTS)
def deactivate_user(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@area(Area.ACCOUNTS)
def activate_user(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        accounts.set_active(user, active, g.staff)
    except accounts.AccountError as exc:
        flash(ACCOUNT_ERRORS[exc.code](), "error")
    else:
        flash(_("Account reactivated.") if active else _("Account deactivated, sessions ended."))
    return redirect(url_for("staff.edit_user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/reset")
@area(Area.ACCOUNTS)
def reset_user(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("Reactivate the account first."), "error")
        return redirect(url_for("staff.edit_user", user_id=user.id), 303)
    return _show_link(user, accounts.reset_user(user, g.staff))
