"""Import and export of the directory as CSV or JSON, with data·inclusion field names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portal.core import csv_safe, db
from portal.directory.editing import new_uid
from portal.directory.entries import (
    BOOL_FIELDS,
    DATE_FIELDS,
    LIST_FIELDS,
    EntryInvalid,
    Problem,
    clean_entry,
)
from portal.directory.search import entry_by_uid
from portal.models import DirectoryEntry, StaffUser, utcnow
from portal.staff import audit

SOURCE = "portail-rappel-loire"
# (column, attribute): data·inclusion names first, then ours, prefixed with x_.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "uid"),
    ("nom", "name"),
    ("description", "description"),
    ("thematiques", "thematiques"),
    ("publics", "publics"),
    ("frais", "fees"),
    ("modes_accueil", "modes_accueil"),
    ("mobilisable_par", "mobilisable_par"),
    ("zone_eligibilite", "zone_eligibilite"),
    ("adresse", "address"),
    ("code_postal", "postcode"),
    ("commune", "commune"),
    ("telephone", "phone"),
    ("courriel", "email"),
    ("site_web", "website"),
    ("horaires_accueil", "opening_hours"),
    ("date_maj", "updated_at"),
    ("x_categorie", "category"),
    ("x_communes_desservies", "communes"),
    ("x_accessibilite", "accessibility"),
    ("x_langues", "languages"),
    ("x_interpretariat", "interpreting"),
    ("x_adresse_confidentielle", "address_confidential"),
    ("x_ouvert_24_7", "open_24_7"),
    ("x_sms_uniquement", "sms_only"),
    ("x_accueil", "reception"),
    ("x_telephone_professionnels", "pro_phone"),
    ("x_courriel_professionnels", "pro_email"),
    ("x_procedure_orientation", "referral_procedure"),
    ("x_visibilite", "visibility"),
    ("x_masquee", "hidden"),
    ("x_date_verification", "verified_at"),
    ("x_verifie_par", "verified_by"),
)
COLUMN_OF = {attr: column for column, attr in COLUMNS}
HEADER = ("source", "structure_id", *(column for column, _attr in COLUMNS))
REQUIRED_COLUMNS = ("id", "nom", "x_categorie")
CONFIDENTIAL = ("address", "postcode", "commune")
LIST_SEPARATOR = "|"
TRUE = {"true", "1", "oui", "yes", "vrai"}
FALSE = {"false", "0", "non", "no", "faux", ""}
FORMATS = ("csv", "json")


# --- Export ------------------------------------------------------------------------------------


def _value(entry: DirectoryEntry, attr: str) -> Any:
    value = getattr(entry, attr)
    if attr in DATE_FIELDS:
        return value.date().isoformat() if value else None
    if attr in LIST_FIELDS:
        return list(value or [])
    if attr in BOOL_FIELDS:
        return bool(value)
    return value or None


def entry_record(entry: DirectoryEntry, include_confidential: bool) -> dict[str, Any]:
    """One entry as a data·inclusion service; a confidential address only when asked for."""
    record: dict[str, Any] = {"source": SOURCE, "structure_id": entry.uid}
    for column, attr in COLUMNS:
        record[column] = _value(entry, attr)
    if entry.address_confidential and not include_confidential:
        for attr in CONFIDENTIAL:
            record[COLUMN_OF[attr]] = None
    return record


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def to_csv(records: list[dict[str, Any]]) -> str:
    """The records as CSV, every cell safe to open in a spreadsheet."""
    rows = [HEADER, *([_csv_cell(record.get(column)) for column in HEADER] for record in records)]
    return csv_safe.write_rows(rows, lineterminator="\n")


def export_text(entries: Iterable[DirectoryEntry], fmt: str, include_confidential: bool) -> str:
    """The entries as a CSV or JSON file, sorted by identifier so that exports compare."""
    ordered = sorted(entries, key=lambda e: e.uid)
    records = [entry_record(e, include_confidential) for e in ordered]
    return to_json(records) if fmt == "json" else to_csv(records)


# --- Import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row: its line (CSV) or position (JSON) and the problems."""

    line: int
    messages: tuple[str, ...]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(self.messages)


class ImportRejected(ValueError):
    """The file has bad rows: nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _problem_text(problem: Problem) -> str:
    return f"{COLUMN_OF.get(problem.field, problem.field)}: {problem.message()}"


def _parse_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = "" if raw is None else str(raw).strip().lower()
    if text in TRUE:
        return True
    return False if text in FALSE else None


def _values_from_record(
    record: dict[str, Any], from_csv: bool
) -> tuple[dict[str, Any], list[Problem]]:
    """The entry values of a row, and the problems found on the way (not the rules)."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, attr in COLUMNS:
        raw = record.get(column)
        if attr in BOOL_FIELDS:
            parsed = _parse_bool(raw)
            if parsed is None:
                problems.append(Problem(attr, "boolean"))
            values[attr] = bool(parsed)
        elif attr in LIST_FIELDS and from_csv:
            values[attr] = [p for p in (raw or "").split(LIST_SEPARATOR) if p.strip()]
        else:
            values[attr] = raw
    return values, problems


def _read_cell(value: Any) -> Any:
    """A cell as it was before export neutralised it (a missing cell stays None)."""
    return csv_safe.restore(value) if isinstance(value, str) else value


def read_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line where the row starts, cells by column) for each row of a CSV file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([RowError(1, (f"missing columns: {', '.join(missing)}",))])
    rows = []
    start = reader.line_num + 1
    for row in reader:
        rows.append((start, {k: _read_cell(v) for k, v in row.items()}))
        start = reader.line_num + 1
    return rows


def read_json(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(position in the list, from 1, record) for each service of a JSON file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected([RowError(exc.lineno, ("not valid JSON",))]) from exc
    if not isinstance(data, list):
        raise ImportRejected([RowError(1, ("expected a list of services",))])
    return [(i, item if isinstance(item, dict) else {}) for i, item in enumerate(data, 1)]


def _check_rows(
    rows: list[tuple[int, dict[str, Any]]], from_csv: bool
) -> list[tuple[dict[str, Any], int]]:
    """Every row validated; ImportRejected lists each bad one."""
    errors: list[RowError] = []
    cleaned: list[tuple[dict[str, Any], int]] = []
    seen: set[str] = set()
    for line, record in rows:
        values, problems = _values_from_record(record, from_csv)
        try:
            clean = clean_entry(values)
        except EntryInvalid as exc:
            problems += exc.problems
            clean = {}
        uid = str(values.get("uid") or "").strip()
        if uid and uid in seen:
            problems.append(Problem("uid", "duplicate"))
        seen.add(uid)
        if problems:
            errors.append(RowError(line, tuple(_problem_text(p) for p in problems)))
        else:
            cleaned.append((clean, line))
    if errors:
        raise ImportRejected(errors)
    return cleaned


def _store(clean: dict[str, Any]) -> bool:
    """Create or update one entry from validated values; True when it was new."""
    entry = entry_by_uid(clean["uid"]) if clean["uid"] else None
    created = entry is None
    if entry is None:
        entry = DirectoryEntry(uid=clean["uid"] or new_uid())
        db.session().add(entry)
    elif clean["address_confidential"] and not clean["address"] and entry.address:
        # An export without confidential addresses must not erase the one we keep.
        for attr in CONFIDENTIAL:
            clean[attr] = getattr(entry, attr)
    for attr in clean:
        if attr != "uid":
            setattr(entry, attr, clean[attr])
    entry.updated_at = clean["updated_at"] or utcnow()
    return created


def import_text(text: str, fmt: str, actor: StaffUser | None = None) -> ImportResult:
    """Import a whole file or nothing: every row is checked before any is stored.

    The caller commits; on ImportRejected the session holds no change.
    """
    rows = read_json(text) if fmt == "json" else read_csv(text)
    cleaned = _check_rows(rows, from_csv=fmt != "json")
    created = sum(_store(clean) for clean, _line in cleaned)
    result = ImportResult(created=created, updated=len(cleaned) - created)
    audit.record("directory.import", actor, "directory", created=created, updated=result.updated)
    return result


def guess_format(filename: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    return "json" if filename.lower().endswith(".json") else "csv"
