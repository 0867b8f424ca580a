"""The accessibility statement, worked out from the RGAA 4.1 grid kept beside this module: the
status the law prescribes, the share of criteria met, and the lists the official template asks
for."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

HERE = Path(__file__).parent
GRID = HERE / "rgaa-grid.csv"
AUDIT = HERE / "rgaa-audit.toml"
CRITERIA_COUNT = 106
# The statuses of the official grid: met, not met, not applicable, and a declared derogation.
MET, NOT_MET, NOT_APPLICABLE, DEROGATION = "C", "NC", "NA", "D"
STATUSES = (MET, NOT_MET, NOT_APPLICABLE, DEROGATION)
FULLY, PARTIALLY, NOT_COMPLIANT = "fully", "partially", "not"
# The official template's words for each status, and the footer's ("Accessibilité : …").
STATUS_SENTENCES_FR = {
    FULLY: "est en totale conformité",
    PARTIALLY: "est en conformité partielle",
    NOT_COMPLIANT: "n'est pas en conformité",
}
STATUS_WORDS = {
    FULLY: _l("fully compliant"),
    PARTIALLY: _l("partially compliant"),
    NOT_COMPLIANT: _l("not compliant"),
}


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: str
    title: str
    status: str
    remark: str


@dataclass(frozen=True)
class Statement:
    criteria: tuple[Criterion, ...]
    audited_on: dt.date | None
    audited_by: str
    pages: tuple[str, ...]
    tools: tuple[str, ...]
    environments: tuple[str, ...]
    technologies: tuple[str, ...]
    multi_year_plan: tuple[str, ...]
    this_year_plan: tuple[str, ...]
    plan_years: str
    this_year: int

    def counted(self, status: str) -> int:
        return sum(1 for c in self.criteria if c.status == status)

    @property
    def applicable(self) -> int:
        """Criteria that apply to at least one page; a derogation without an accessible
        alternative stays applicable, so it counts as not met."""
        return len(self.criteria) - self.counted(NOT_APPLICABLE)

    @property
    def met(self) -> int:
        return self.counted(MET)

    @property
    def rate(self) -> float:
        """Criteria met out of criteria applicable, in per cent."""
        return 100.0 * self.met / self.applicable if self.applicable else 0.0

    @property
    def status(self) -> str:
        """'fully', 'partially' or 'not', by the official thresholds: no valid audit, or under
        half the criteria met, is not compliant."""
        if self.audited_on is None or self.applicable == 0:
            return NOT_COMPLIANT
        if self.met == self.applicable:
            return FULLY
        return PARTIALLY if self.rate >= 50.0 else NOT_COMPLIANT

    @property
    def failures(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == NOT_MET)

    @property
    def derogations(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == DEROGATION)


def read_grid(path: Path = GRID) -> tuple[Criterion, ...]:
    """The 106 criteria with the sample's status; refuses a grid that is not whole."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    criteria = tuple(
        Criterion(r["critere"], r["thematique"], r["intitule"], r["statut"], r["remarque"])
        for r in rows
    )
    if len(criteria) != CRITERIA_COUNT or len({c.number for c in criteria}) != CRITERIA_COUNT:
        raise ValueError(f"the RGAA grid must list the {CRITERIA_COUNT} criteria once each")
    unknown = {c.status for c in criteria} - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown statuses in the RGAA grid: {sorted(unknown)}")
    if any(c.status in (NOT_MET, DEROGATION) and not c.remark for c in criteria):
        raise ValueError("every failure and derogation in the RGAA grid needs a remark")
    return criteria


def _strings(data: dict[str, object], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def read_statement(grid: Path = GRID, audit: Path = AUDIT) -> Statement:
    with audit.open("rb") as file:
        data = tomllib.load(file)
    audited_on = data.get("audited_on")
    return Statement(
        criteria=read_grid(grid),
        audited_on=audited_on if isinstance(audited_on, dt.date) else None,
        audited_by=str(data.get("audited_by", "")),
        pages=_strings(data, "pages"),
        tools=_strings(data, "tools"),
        environments=_strings(data, "environments"),
        technologies=_strings(data, "technologies"),
        multi_year_plan=_strings(data, "multi_year_plan"),
        this_year_plan=_strings(data, "this_year_plan"),
        plan_years=str(data.get("plan_years", "")),
        this_year=int(str(data.get("this_year", 0))),
    )


@functools.lru_cache(maxsize=1)
def statement() -> Statement:
    """The statement as the repository holds it, read once per process."""
    return read_statement()


def footer_words() -> str:
    """ "Accessibility: partially compliant", in the reader's language, as every page ends."""
    return str(_l("Accessibility: %(status)s", status=STATUS_WORDS[statement().status]))
