"""Settings every bench app needs on a server database: production refuses the fictional
defaults (core.production), so a bench names stand-ins, as a Département names its own."""

from __future__ import annotations

STAND_INS: dict[str, str] = {
    "COORDINATOR_PHONE": "+33465710090",
    "CONTROLLER": "Département de la Loire (banc d'essai), 42022 Saint-Étienne Cedex",
    "CONTROLLER_CONTACT": "dpo-bench@loire.example",
    "PUBLIC_BASE_URL": "https://portal.example",
}


def stand_in_env() -> dict[str, str]:
    """The same settings as a server process's environment."""
    return {f"PORTAL_{name}": value for name, value in STAND_INS.items()}
