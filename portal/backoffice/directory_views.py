"""The professionals' directory under /staff/directory, the coordinator's editing, and downloads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.core import db
from portal.directory import editing, search, transfer
from portal.directory import vocabulary as voc
from portal.directory.forms import EntryForm
from portal.directory.presentation import (
    Phone,
    PublicCard,
    filter_choices,
    page_of,
    phone,
    public_card,
)
from portal.models import DirectoryEntry, utcnow
from portal.staff import access, audit
from portal.staff.access import Area

STAFF_PAGE_SIZE = 30


@dataclass(frozen=True)
class StaffCard:
    """An entry as professionals see it: the public card plus their own fields."""

    id: int
    card: PublicCard
    pro_phone: Phone | None
    pro_email: str
    referral_procedure: str
    visibility: str
    professionals_only: bool
    hidden: bool
    who_can_ask: list[str]
    verified_at: dt.datetime | None
    verified_by: str
    stale: bool


def staff_card(entry: DirectoryEntry) -> StaffCard:
    """Everything professionals may read; a confidential address stays out even here."""
    return StaffCard(
        id=entry.id,
        card=public_card(entry),
        pro_phone=phone(entry.pro_phone),
        pro_email=entry.pro_email,
        referral_procedure=entry.referral_procedure,
        visibility=str(voc.VISIBILITY.get(entry.visibility, entry.visibility)),
        professionals_only=entry.visibility != "public"
        or entry.category in voc.PROFESSIONAL_CATEGORIES,
        hidden=entry.hidden,
        who_can_ask=voc.labels(voc.MOBILISABLE_PAR, entry.mobilisable_par),
        verified_at=entry.verified_at,
        verified_by=entry.verified_by,
        stale=search.is_stale(entry),
    )


def _can_edit() -> bool:
    return access.may_enter(g.staff, Area.DIRECTORY_EDITING)


def _entry_or_404(entry_id: int) -> DirectoryEntry:
    entry = db.session().get(DirectoryEntry, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/directory")
@area(Area.DIRECTORY)
def directory() -> ResponseReturnValue:
    show_hidden = (
        access.sees_hidden_directory_entries(g.staff) and request.args.get("hidden") == "1"
    )
    everything = search.staff_entries(include_hidden=show_hidden)
    choices = filter_choices(everything)
    found, page = page_of(search.apply_filters(everything, choices.filters), STAFF_PAGE_SIZE)
    return render_template(
        "directory/staff_list.html",
        cards=[staff_card(e) for e in found],
        choices=choices,
        page=page,
        show_hidden=show_hidden,
        can_edit=_can_edit(),
        confirm=ConfirmForm(),
    )


@bp.get("/directory/export")
@area(Area.DIRECTORY)
def directory_export() -> ResponseReturnValue:
    fmt = request.args.get("format", "csv")
    if fmt not in transfer.FORMATS:
        abort(404)
    visible = search.staff_entries(include_hidden=access.sees_hidden_directory_entries(g.staff))
    text = transfer.export_text(visible, fmt, include_confidential=False)
    audit.record("directory.export", g.staff, "directory", format=fmt)
    mimetype = "application/json" if fmt == "json" else "text/csv"
    name = f"directory-{utcnow().date().isoformat()}.{fmt}"
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/directory/recheck")
@area(Area.DIRECTORY_EDITING)
def directory_recheck() -> ResponseReturnValue:
    cards = [staff_card(e) for e in search.entries_to_recheck()]
    days = search.stale_days()
    page = render_template(
        "directory/staff_recheck.html", cards=cards, days=days, confirm=ConfirmForm()
    )
    return page


def _show_form(form: EntryForm, entry: DirectoryEntry | None) -> ResponseReturnValue:
    status = 400 if form.is_submitted() else 200
    return render_template("directory/staff_edit.html", form=form, entry=entry), status


@bp.route("/directory/new", methods=["GET", "POST"])
@area(Area.DIRECTORY_EDITING)
def directory_new() -> ResponseReturnValue:
    form = EntryForm()
    if not form.validate_on_submit():
        return _show_form(form, None)
    entry = editing.create_entry(form.values(), g.staff)
    flash(_("Entry added."))
    return redirect(url_for("staff.directory_edit", entry_id=entry.id), 303)


@bp.route("/directory/<int:entry_id>/edit", methods=["GET", "POST"])
@area(Area.DIRECTORY_EDITING)
def directory_edit(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    form = EntryForm()
    if request.method == "GET":
        form.fill(entry)
    if not form.validate_on_submit():
        return _show_form(form, entry)
    changed = editing.update_entry(entry, form.values(), g.staff)
    flash(_("Changes saved.") if changed else _("Nothing was changed."))
    return redirect(url_for("staff.directory_edit", entry_id=entry.id), 303)


def _back() -> ResponseReturnValue:
    target = request.form.get("next", "")
    if target == "recheck":
        return redirect(url_for("staff.directory_recheck"), 303)
    return redirect(url_for("staff.directory", hidden="1"), 303)


@bp.post("/directory/<int:entry_id>/verify")
@area(Area.DIRECTORY_EDITING)
def directory_verify(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    editing.mark_verified(entry, g.staff)
    flash(_("Marked as verified today: %(name)s", name=entry.name))
    return _back()


@bp.post("/directory/<int:entry_id>/hide")
@area(Area.DIRECTORY_EDITING)
def directory_hide(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    editing.set_hidden(entry, True, g.staff)
    flash(_("Hidden from every list: %(name)s", name=entry.name))
    return _back()


@bp.post("/directory/<int:entry_id>/show")
@area(Area.DIRECTORY_EDITING)
def directory_show(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    editing.set_hidden(entry, False, g.staff)
    flash(_("Listed again: %(name)s", name=entry.name))
    return _back()
