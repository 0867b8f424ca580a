"""The back office under /staff/: the blueprint and its gate, then every view registered on it."""

from __future__ import annotations

from portal.backoffice import (  # noqa: F401
    account_views,
    accounts_views,
    audit_views,
    card_batch_views,
    directory_corrections_views,
    directory_views,
    login_views,
    menu,
    oidc_views,
    passkey_views,
    queue_selection_views,
    queue_views,
    queue_words,
    referral_correction_views,
    referral_views,
    request_actions,
    request_views,
    session_views,
    sign_in_rules_views,
    stations_views,
    stats_views,
    todays_calls_views,
    triage_views,
)
from portal.backoffice.blueprint import area, bp

__all__ = ["area", "bp"]
