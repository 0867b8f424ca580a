"""The page "My calls today": a social worker's planned calls and safe windows of the day."""

from __future__ import annotations

import datetime as dt

from flask import g, render_template
from flask.typing import ResponseReturnValue

from portal.backoffice.blueprint import area, bp
from portal.casework.todays_calls import todays_calls
from portal.staff.access import Area


@bp.get("/today")
@area(Area.QUEUE)
def my_calls_today() -> ResponseReturnValue:
    now = dt.datetime.now(dt.UTC)
    return render_template("staff/today.html", calls=todays_calls(g.staff, now), now=now)
