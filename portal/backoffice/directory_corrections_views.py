"""Corrections to the directory: professionals propose, the coordinator accepts or refuses."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.core import db
from portal.core.fields import add_error
from portal.core.phone_numbers import typed_phone
from portal.directory import corrections, entries
from portal.directory.forms import CorrectionForm
from portal.models import DirectoryCorrection, DirectoryEntry
from portal.staff import access
from portal.staff.access import Area

# A shelter's address is never shown to those who propose, so it cannot be corrected by them.
ADDRESS_FIELDS = ("address", "postcode", "commune")


def _entry_or_404(entry_id: int) -> DirectoryEntry:
    entry = db.session().get(DirectoryEntry, entry_id)
    if entry is None or (entry.hidden and not access.sees_hidden_directory_entries(g.staff)):
        abort(404)
    return entry


def _form_for(entry: DirectoryEntry) -> CorrectionForm:
    form = CorrectionForm()
    if entry.address_confidential:
        for name in ADDRESS_FIELDS:
            del form[name]
    if not form.is_submitted():
        for name, field in form._fields.items():
            if name in corrections.CORRECTABLE:
                stored = getattr(entry, name)
                field.data = typed_phone(stored) if "phone" in name and stored else stored
    return form


@bp.route("/directory/<int:entry_id>/correction", methods=["GET", "POST"])
@area(Area.DIRECTORY)
def directory_correction(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    form = _form_for(entry)
    if form.validate_on_submit():
        try:
            corrections.propose(entry, form.proposed(), form.note.data or "", g.staff)
        except entries.EntryInvalid as exc:
            for problem in exc.problems:
                if problem.field in form:
                    add_error(form[problem.field], problem.message())
        except corrections.NothingChanged:
            add_error(form.note, _("Change a field or write a note."))
        else:
            flash(_("Thank you: the coordinator will check your correction."))
            return redirect(url_for("staff.directory"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("directory/staff_correction.html", form=form, entry=entry), status


@bp.get("/directory/corrections")
@area(Area.DIRECTORY_EDITING)
def directory_corrections() -> ResponseReturnValue:
    waiting = corrections.pending()
    return render_template(
        "directory/staff_corrections.html",
        waiting=waiting,
        labels={field.name: field.label.text for field in CorrectionForm(formdata=None)},
        confirm=ConfirmForm(),
    )


def _decide(correction_id: int, accept: bool) -> ResponseReturnValue:
    correction = db.session().get(DirectoryCorrection, correction_id)
    if correction is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if accept:
            corrections.accept(correction, g.staff)
        else:
            corrections.refuse(correction, g.staff)
    except corrections.AlreadyDecided:
        flash(_("This correction was already decided."), "error")
    except entries.EntryInvalid:
        flash(_("The entry changed since: this correction no longer fits. Refuse it."), "error")
    else:
        flash(
            _("Correction accepted: the entry is updated.") if accept else _("Correction refused.")
        )
    return redirect(url_for("staff.directory_corrections"), 303)


@bp.post("/directory/corrections/<int:correction_id>/accept")
@area(Area.DIRECTORY_EDITING)
def directory_correction_accept(correction_id: int) -> ResponseReturnValue:
    return _decide(correction_id, True)


@bp.post("/directory/corrections/<int:correction_id>/refuse")
@area(Area.DIRECTORY_EDITING)
def directory_correction_refuse(correction_id: int) -> ResponseReturnValue:
    return _decide(correction_id, False)
