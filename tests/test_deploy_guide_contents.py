"""What the deployment guide must say, read from it without running it: every setting production
refuses to start without, named and away from its default; the schema and the first account before
the service starts; the instance folder named; every block it leaves out saying why."""

from __future__ import annotations

from pathlib import Path

from helpers.guide import blocks, section

from portal.core.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("COORDINATOR_PHONE", "CONTROLLER", "CONTROLLER_CONTACT", "PUBLIC_BASE_URL")


def settings_of(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs if not name.startswith("#")}


def test_the_guide_sets_what_production_requires_away_from_its_defaults() -> None:
    page = blocks((ROOT / "docs" / "deploy.md").read_text())
    [env] = [b.text for b in page if b.kind == "file" and b.name == "portal.env"]
    settings = settings_of(env)
    for name in REQUIRED:
        assert settings.get(f"PORTAL_{name}"), name
        assert settings[f"PORTAL_{name}"] != str(DEFAULTS[name]), name
    assert settings["PORTAL_INSTANCE_PATH"] == "/var/lib/portal"
    assert settings["PORTAL_BACKUP_STAMP"].startswith("/var/lib/")
    runs = [b.text for b in page if b.kind == "run"]
    first = next(i for i, text in enumerate(runs) if "portal-manage init-db" in text)
    account = next(i for i, text in enumerate(runs) if "create-user" in text)
    service = next(i for i, text in enumerate(runs) if "systemctl enable --now portal\n" in text)
    assert first <= account < service
    assert "--email" in runs[account]
    assert all(b.name for b in page if b.kind == "not run")


def test_going_live_sets_them_too_and_leaves_the_clone() -> None:
    going_live = section((ROOT / "README.md").read_text(), "Going live")
    [run] = [b.text for b in blocks(going_live) if b.kind == "run"]
    for name in REQUIRED:
        assert f"PORTAL_{name}=" in run, name
    assert str(DEFAULTS["COORDINATOR_PHONE"]) not in run
    assert run.index("cd ../portal-trial") < run.index("flask --app portal init-db")
    assert "PORTAL_INSTANCE_PATH=" in run and "--email" in run
