"""The example alert rules in docs/ are valid for Prometheus and watch metrics the portal exposes;
the exposition itself passes Prometheus's own linter."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from helpers.settings import IN_CI

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "prometheus-alerts.yml"
PROMTOOL = shutil.which("promtool")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None and not IN_CI, reason="apt-get install prometheus (for promtool)"
)


def exposition(app: Flask) -> str:
    answer = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@needs_promtool
def test_the_rules_load_in_prometheus() -> None:
    assert PROMTOOL
    done = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_the_exposition_passes_the_linter(app: Flask) -> None:
    assert PROMTOOL
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"],
        input=exposition(app),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_metric_the_rules_watch_is_exposed(app: Flask) -> None:
    watched = set(re.findall(r"\bportal_[a-z_]+", RULES.read_text()))
    body = exposition(app)
    exposed = set(re.findall(r"^# TYPE (portal_[a-z_]+)", body, re.M))
    # A counter is declared without its _total suffix.
    exposed |= {f"{name}_total" for name in exposed}
    assert watched and watched <= exposed, sorted(watched - exposed)
