"""The coordinator's pages for stations and their card batches."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.backoffice.station_forms import KIND_LABELS, BatchForm, NewStationForm, StationForm
from portal.core.fields import add_error
from portal.models import CardBatch, Station
from portal.staff.access import Area
from portal.stations import cards, registry
from portal.stations.card_print import card_pdf

STATION_ERRORS = {
    "bad_code": lambda: _("Use 2 to 32 lower-case letters, digits or dashes."),
    "code_taken": lambda: _("Another station already has this code."),
    "bad_name": lambda: _("Enter a name of at most 120 characters."),
    "bad_kind": lambda: _("Choose a kind from the list."),
    "bad_commune": lambda: _("Enter a commune of at most 80 characters."),
    "bad_callback_number": lambda: _("Enter a phone number, like 04 77 00 00 00."),
    "bad_calling_hours": lambda: _("Use at most 120 characters."),
}


def _station_or_404(code: str) -> Station:
    station = registry.find_by_code(code)
    if station is None:
        abort(404)
    return station


def _batch_or_404(batch_id: int) -> CardBatch:
    batch = cards.batch_by_id(batch_id)
    if batch is None:
        abort(404)
    return batch


def _details(form: StationForm) -> registry.StationDetails:
    return registry.StationDetails(
        form.name.data or "",
        form.kind.data or "",
        form.commune.data or "",
        form.callback_number.data or "",
        form.calling_hours.data or "",
    )


def _show_refusal(form: StationForm, exc: registry.StationError) -> None:
    add_error(getattr(form, exc.field, form.name), STATION_ERRORS[exc.code]())


@bp.app_template_global()
def station_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.get("/stations")
@area(Area.STATIONS)
def station_list() -> ResponseReturnValue:
    page = render_template(
        "staff/stations.html",
        stations=registry.all_stations(),
        open_counts=registry.open_request_counts(),
    )
    return page


@bp.route("/stations/new", methods=["GET", "POST"])
@area(Area.STATIONS)
def new_station() -> ResponseReturnValue:
    form = NewStationForm()
    if form.validate_on_submit():
        try:
            station = registry.add_station(form.code.data or "", _details(form), g.staff)
        except registry.StationError as exc:
            _show_refusal(form, exc)
        else:
            flash(_("Station created."))
            return redirect(url_for("staff.station_detail", code=station.code), 303)
    page = render_template("staff/station_new.html", form=form)
    return page, 400 if form.is_submitted() else 200


@bp.route("/stations/<code>", methods=["GET", "POST"])
@area(Area.STATIONS)
def station_detail(code: str) -> ResponseReturnValue:
    station = _station_or_404(code)
    form = StationForm(obj=None if request.method == "POST" else station)
    if form.validate_on_submit():
        try:
            registry.edit_station(station, _details(form), g.staff)
        except registry.StationError as exc:
            _show_refusal(form, exc)
        else:
            flash(_("Changes saved."))
            return redirect(url_for("staff.station_detail", code=station.code), 303)
    return _station_page(station, form, BatchForm(formdata=None))


def _station_page(station: Station, form: StationForm, batch_form: BatchForm) -> tuple[str, int]:
    page = render_template(
        "staff/station.html",
        station=station,
        form=form,
        batch_form=batch_form,
        batches=cards.station_batches(station),
        counts=cards.request_counts(station),
        links={b.id: cards.card_link(b) for b in cards.station_batches(station)},
        confirm=ConfirmForm(),
    )
    submitted = form.is_submitted() and (form.errors or batch_form.errors)
    return page, 400 if submitted else 200


@bp.post("/stations/<code>/close")
@area(Area.STATIONS)
def close_station(code: str) -> ResponseReturnValue:
    station = _station_or_404(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirmed") != "1":  # first say what closing does: nothing changes yet
        count = registry.open_request_count(station)
        return render_template("staff/station_close.html", station=station, count=count)
    try:
        moved = registry.close_station(station, g.staff)
    except registry.StationError:
        flash(_("This station is already closed."), "error")
    else:
        flash(_("Station closed; %(count)d open request(s) moved to your queue.", count=moved))
    return redirect(url_for("staff.station_detail", code=station.code), 303)


@bp.post("/stations/<code>/reopen")
@area(Area.STATIONS)
def reopen_station(code: str) -> ResponseReturnValue:
    station = _station_or_404(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registry.reopen_station(station, g.staff)
    except registry.StationError:
        pass  # already open: the page shows it
    else:
        flash(_("Station reopened."))
    return redirect(url_for("staff.station_detail", code=station.code), 303)


@bp.post("/stations/<code>/batches")
@area(Area.STATIONS)
def new_batch(code: str) -> ResponseReturnValue:
    station = _station_or_404(code)
    batch_form = BatchForm()
    if not batch_form.validate_on_submit():
        return _station_page(station, StationForm(obj=station, formdata=None), batch_form)
    cards.new_batch(station, batch_form.label.data or "", g.staff)
    flash(_("New card batch made."))
    return redirect(url_for("staff.station_detail", code=station.code), 303)


@bp.get("/batches/<int:batch_id>/cards.pdf")
@area(Area.STATIONS)
def batch_pdf(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    # The coordinator may print a back without the national helplines (a found card says less).
    helplines = False if request.args.get("helplines") == "no" else None
    response = Response(card_pdf(batch, helplines), mimetype="application/pdf")
    name = f"cards-{batch.station.code}-{batch.short_code}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
