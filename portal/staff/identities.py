"""Which account an identity proven by an OpenID provider opens: no self-registration.

An account is linked only if a coordinator created it (an invitation with its e-mail) and it is
active; at its first sign-in it is matched by that e-mail, then bound to the provider's subject
(with ProConnect's `idp_id`), and from then on found by that binding alone. Every link, sign-in
and refusal is audited.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.core import db
from portal.models import StaffIdentity, StaffUser, utcnow
from portal.staff import audit
from portal.staff.oidc import ProvenIdentity, SignInRefused


def _bound_account(proven: ProvenIdentity) -> StaffIdentity | None:
    query = select(StaffIdentity).where(
        StaffIdentity.issuer == proven.issuer,
        StaffIdentity.subject == proven.subject,
        StaffIdentity.idp_id == proven.idp_id,
    )
    return db.session().scalars(query).first()


def _invited_account(proven: ProvenIdentity) -> StaffUser:
    """The one account invited under this e-mail and not yet bound at this provider."""
    if not proven.email:
        raise SignInRefused("no_email")
    query = select(StaffUser).where(func.lower(StaffUser.email) == proven.email)
    matches = list(db.session().scalars(query))
    if not matches:
        raise SignInRefused("not_invited")
    if len(matches) > 1:
        raise SignInRefused("email_ambiguous")
    user = matches[0]
    already = select(StaffIdentity.id).where(
        StaffIdentity.staff_id == user.id, StaffIdentity.issuer == proven.issuer
    )
    if db.session().scalars(already).first() is not None:
        # Bound to someone else at this provider: an e-mail changing hands links nothing.
        raise SignInRefused("bound_to_another")
    return user


def account_for(proven: ProvenIdentity) -> StaffUser:
    """The account this identity opens, linking it at its first sign-in; the caller commits
    (a refusal's audit event too)."""
    identity = _bound_account(proven)
    user = identity.staff if identity is not None else _invited_account(proven)
    if not user.active:
        raise SignInRefused("inactive", user)
    if identity is None:
        identity = StaffIdentity(
            staff_id=user.id,
            issuer=proven.issuer,
            subject=proven.subject,
            idp_id=proven.idp_id,
        )
        db.session().add(identity)
        # The invitation is used: its link no longer sets a password.
        user.invitation_nonce = None
        audit.record("oidc.link", user, target=f"user:{user.id}", issuer=proven.issuer)
    identity.last_used_at = utcnow()
    user.last_login_at = utcnow()
    audit.record("login.success", user, target=f"user:{user.id}", method="oidc")
    return user


def record_refusal(reason: str, user: StaffUser | None = None) -> None:
    """Audit a refused sign-in; the reason names the check, never the person's claims."""
    target = f"user:{user.id}" if user else ""
    audit.record(
        "oidc.refused", user, actor_label=None if user else "-", target=target, reason=reason
    )


def identities_of(user: StaffUser) -> list[StaffIdentity]:
    query = select(StaffIdentity).where(StaffIdentity.staff_id == user.id)
    return list(db.session().scalars(query.order_by(StaffIdentity.id)))
