"""The accessibility statement is worked out from the RGAA 4.1 grid in the repository: the 106
criteria each with a status, the figures the page gives, and a status that follows the official
thresholds from those very figures; every page ends with "Accessibilité : …"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from portal.public.accessibility_statement import (
    FULLY,
    NOT_COMPLIANT,
    PARTIALLY,
    Criterion,
    read_grid,
    statement,
)

FIGURES_RE = re.compile(
    r"révèle que ([\d,]+) % des critères du RGAA sont respectés \((\d+) critères respectés "
    r"sur (\d+) applicables"
)
STATUS_WORDS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "est en totale conformité": ("totalement conforme", lambda rate: rate == 100.0),
    "est en conformité partielle": ("partiellement conforme", lambda rate: 50.0 <= rate < 100.0),
    "n'est pas en conformité": ("non conforme", lambda rate: rate < 50.0),
}


def test_the_grid_lists_the_106_criteria_with_a_status_each() -> None:
    criteria = read_grid()
    assert len(criteria) == 106
    assert [c.number for c in criteria][:3] == ["1.1", "1.2", "1.3"]
    assert criteria[-1].number == "13.12"
    assert {c.status for c in criteria} <= {"C", "NC", "NA", "D"}
    # The faults found in the sample are fixed in the grid as in the pages.
    fixed = {"8.6", "8.7", "9.1", "10.11", "11.10", "11.12"}
    assert {c.number for c in criteria if c.number in fixed and c.status == "C"} == fixed
    assert next(c for c in criteria if c.number == "11.13").status == "D"


def test_the_statement_status_matches_its_own_figures(client: FlaskClient) -> None:
    page = html.unescape(client.get("/fr/accessibility").get_data(as_text=True))
    figures = FIGURES_RE.search(page)
    assert figures, "no figures in the statement"
    rate, met, applicable = float(figures[1].replace(",", ".")), int(figures[2]), int(figures[3])
    assert abs(rate - 100 * met / applicable) < 0.05
    [sentence] = [s for s in STATUS_WORDS if f"<strong>{s}</strong>" in page]
    footer, holds = STATUS_WORDS[sentence]
    assert holds(rate), (sentence, rate)
    assert f"Accessibilité : {footer}" in page
    for section in ("Non-conformités", "Dérogations pour charge disproportionnée",
                    "Pages du site ayant fait l'objet de la vérification de conformité",
                    "Schéma pluriannuel", "Plan d'action", "Voies de recours"):  # fmt: skip
        assert section in page, section
    # Every failure and derogation of the grid is listed by its number.
    for c in read_grid():
        if c.status in ("NC", "D"):
            assert f"Critère {c.number} " in page


@pytest.mark.parametrize(
    ("statuses", "audited", "expected"),
    [
        (["C"] * 10, True, FULLY),
        (["C"] * 5 + ["NC"] * 5, True, PARTIALLY),
        (["C"] * 4 + ["NC"] * 5 + ["NA"] * 20, True, NOT_COMPLIANT),
        (["C"] * 10, False, NOT_COMPLIANT),  # no valid audit: not compliant, whatever the rest
        (["C"] * 9 + ["D"], True, PARTIALLY),  # a derogation without alternative still counts
    ],
)
def test_the_official_thresholds(statuses: list[str], audited: bool, expected: str) -> None:
    criteria = tuple(Criterion(str(n), "t", "t", s, "r") for n, s in enumerate(statuses))
    found = dataclasses.replace(
        statement(), criteria=criteria, audited_on=dt.date(2026, 12, 7) if audited else None
    )
    assert found.status == expected


@pytest.mark.parametrize("path", ["/en/", "/ar/help", "/fr-falc/cancel", "/uk/nowhere"])
def test_every_page_ends_with_the_status(client: FlaskClient, path: str) -> None:
    body = client.get(path).get_data(as_text=True)
    assert re.search(r'href="/[a-z-]+/accessibility">[^<]+: ?[^<]+</a>', body), path
