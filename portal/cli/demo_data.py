"""Demo stations and staff accounts for a newcomer's first run; never for a real installation."""

from __future__ import annotations

from portal.core import crypto, db
from portal.models import Role, StaffUser, Station
from portal.staff import accounts, auth
from portal.stations import registry

DEMO_STATIONS = (
    (
        "st-etienne",
        "Commissariat de Saint-Étienne",
        "commissariat",
        "Saint-Étienne",
        "+33465710001",
    ),
    (
        "st-chamond",
        "Commissariat de Saint-Chamond",
        "commissariat",
        "Saint-Chamond",
        "+33465710002",
    ),
    ("firminy", "Commissariat de Firminy", "commissariat", "Firminy", "+33465710003"),
    ("roanne", "Commissariat de Roanne", "commissariat", "Roanne", "+33465710004"),
    ("gendarmerie", "Gendarmerie de la Loire", "brigade", "Saint-Étienne", "+33465710005"),
)

DEMO_CALLING_HOURS = "lun.–ven. 9 h–17 h"

# username, role, stations, display name. Demo only: their passwords are printed.
DEMO_STAFF: tuple[tuple[str, str, list[str], str], ...] = (
    ("coordinatrice", Role.ADMIN.value, [], "Claire Coordinatrice"),
    ("intervenante", Role.INTERVENANT.value, ["st-etienne", "st-chamond"], "Marie-Claire Dumont"),
    ("policier", Role.REFERRER.value, ["st-etienne"], "Brigadier Martin"),
    ("association", Role.PARTNER.value, [], "Association partenaire"),
)
DEMO_PASSWORD_SUFFIX = "-rappel-Loire-demo"  # noqa: S105  (published on purpose)


def create_demo_stations() -> list[Station]:
    """The demo stations, created once, then reused."""
    made = []
    for code, name, kind, commune, number in DEMO_STATIONS:
        station = registry.find_by_code(code)
        if station is None:
            details = registry.StationDetails(name, kind, commune, number, DEMO_CALLING_HOURS)
            station = registry.add_station(code, details)
        made.append(station)
    return made


def create_demo_staff() -> list[tuple[StaffUser, str]]:
    """Demo accounts, ready to log in, with their passwords; created once, then reused."""
    made = []
    for username, role, station_codes, name in DEMO_STAFF:
        user = accounts.user_by_name(username)
        password = f"{role}{DEMO_PASSWORD_SUFFIX}"
        if user is None:
            user = accounts.create_user(username, role, station_codes, name)
            user.password_hash = auth.hash_password(password)
            user.totp_secret_enc = crypto.encrypt(auth.new_totp_secret())
            user.is_demo = True
        made.append((user, password))
    db.session().flush()
    return made
