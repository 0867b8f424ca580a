"""How each role must sign in: the coordinator may require the OpenID provider for a role, and
the roles configured in PASSKEY_REQUIRED_ROLES are asked to add a passkey."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.core import db
from portal.models import Role, RoleSignInRule, StaffUser
from portal.staff import access, audit, passkeys


def roles_requiring_oidc() -> set[str]:
    query = select(RoleSignInRule.role).where(RoleSignInRule.oidc_required.is_(True))
    return set(db.session().scalars(query))


def oidc_required(user: StaffUser) -> bool:
    """True when her role signs in only through the provider (never by password or key alone)."""
    rule = db.session().get(RoleSignInRule, user.role)
    return rule is not None and rule.oidc_required


def require_oidc(roles: set[str], actor: StaffUser) -> None:
    """Set the roles that must sign in through the provider, audited."""
    for role in Role:
        rule = db.session().get(RoleSignInRule, role.value)
        if rule is None:
            rule = RoleSignInRule(role=role.value, oidc_required=False)
            db.session().add(rule)
        rule.oidc_required = role.value in roles
    audit.record("sign_in_rules.update", actor, target="sign-in", oidc_required=sorted(roles))


def passkey_missing(user: StaffUser) -> bool:
    """True when her role must have a passkey and she has none yet."""
    required = current_app.config["PASSKEY_REQUIRED_ROLES"]
    if isinstance(required, str):
        required = [r.strip() for r in required.split(",") if r.strip()]
    return access.has_role_among(user, required) and not passkeys.has_passkey(user)
