"""A card batch's state: revoked (its cards reach the coordinator), restored, or replaced."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.backoffice.blueprint import area, bp
from portal.backoffice.forms import ConfirmForm
from portal.models import CardBatch
from portal.staff.access import Area
from portal.stations import cards


def _batch_or_404(batch_id: int) -> CardBatch:
    batch = cards.batch_by_id(batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.post("/batches/<int:batch_id>/revoke")
@area(Area.STATIONS)
def revoke_batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        cards.revoke_batch(batch, g.staff)
    except cards.CardError:
        flash(_("This batch is already revoked."), "error")
    else:
        flash(_("Batch revoked: its cards now reach your queue."))
    return redirect(url_for("staff.station_detail", code=batch.station.code), 303)


@bp.post("/batches/<int:batch_id>/replace")
@area(Area.STATIONS)
def replace_batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cards.replace_batch(batch, g.staff)
    flash(_("Replacement batch made; the old one is revoked."))
    return redirect(url_for("staff.station_detail", code=batch.station.code), 303)


@bp.post("/batches/<int:batch_id>/restore")
@area(Area.STATIONS)
def restore_batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        cards.restore_batch(batch, g.staff)
    except cards.CardError:
        flash(_("This batch is in use already."), "error")
    else:
        flash(_("Batch restored: its cards reach the station again."))
    return redirect(url_for("staff.station_detail", code=batch.station.code), 303)
