"""Staff sign-in through an OpenID provider (ProConnect or a Département's own), with Authlib.

The provider proves who the person is; which account that opens, if any, is decided in
`identities`. Authorisation code flow with PKCE (S256); `state` and `nonce` are ours, 43
characters each; the ID token's signature, issuer, audience, expiry and nonce are checked by
Authlib, its assurance level (`acr`) here.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from werkzeug.wrappers import Response

from portal.models import StaffUser

CLIENT_NAME = "oidc"
EXTENSION = "portal_oidc"
DISCOVERY = "/.well-known/openid-configuration"


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; `reason` is for the audit log only."""

    def __init__(self, reason: str, user: StaffUser | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class ProvenIdentity:
    """Who the provider says signed in, from a checked ID token (and its userinfo)."""

    issuer: str
    subject: str
    idp_id: str
    email: str
    id_token: str


def init_app(app: Flask) -> None:
    """Register the provider's client when one is configured."""
    issuer = str(app.config.get("OIDC_ISSUER") or "").rstrip("/")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(  # type: ignore[no-untyped-call]
        CLIENT_NAME,
        # Settings from the environment are read as JSON: a numeric id would arrive as a number.
        client_id=str(app.config["OIDC_CLIENT_ID"]),
        client_secret=str(app.config["OIDC_CLIENT_SECRET"]),
        server_metadata_url=issuer + DISCOVERY,
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            # A provider that does not answer must not hold a request (and a worker) for long.
            "default_timeout": float(app.config["OIDC_TIMEOUT_SECONDS"]),
        },
    )
    app.extensions[EXTENSION] = oauth


def enabled() -> bool:
    return EXTENSION in current_app.extensions


def label() -> str:
    return str(current_app.config.get("OIDC_LABEL") or "")


def _client() -> Any:
    return current_app.extensions[EXTENSION].create_client(CLIENT_NAME)


def required_acr() -> list[str]:
    """The assurance levels accepted (any one of them), asked of the provider as acr_values."""
    values = current_app.config.get("OIDC_ACR_VALUES") or ""
    return str(values).split()


def start(redirect_uri: str) -> Response:
    """Send the browser to the provider; what the answer needs is kept in her session."""
    extra: dict[str, str] = {}
    if required_acr():
        extra["acr_values"] = " ".join(required_acr())
    try:
        response: Response = _client().authorize_redirect(
            redirect_uri,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            **extra,
        )
    except (requests.RequestException, ValueError, OAuthError) as exc:
        raise SignInRefused("provider_unreachable") from exc
    return response


def finish() -> ProvenIdentity:
    """Check the provider's answer on the callback and return whom it proves."""
    client = _client()
    issuer = str(current_app.config["OIDC_ISSUER"]).rstrip("/")
    try:
        metadata = client.load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise SignInRefused("issuer_mismatch")
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [metadata["issuer"]]}},
            leeway=int(current_app.config["OIDC_LEEWAY_SECONDS"]),
        )
    except SignInRefused:
        raise
    except OAuthError as exc:
        raise SignInRefused("oauth:" + _code(exc.error)) from exc
    except JoseError as exc:
        raise SignInRefused("id_token:" + _code(exc.error)) from exc
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        # A state this browser never got (missing, replayed), or a provider answering nonsense.
        raise SignInRefused("bad_answer") from exc
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SignInRefused("no_id_token")
    accepted = required_acr()
    if accepted and claims.get("acr") not in accepted:
        raise SignInRefused("acr_too_low")
    info = {**_userinfo(client, token, metadata, claims), **dict(claims)}
    return ProvenIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        idp_id=str(info.get("idp_id") or ""),
        # An address the provider says it did not check matches no invitation.
        email=""
        if info.get("email_verified") is False
        else str(info.get("email") or "").strip().lower(),
        id_token=str(token["id_token"]),
    )


def _userinfo(
    client: Any, token: dict[str, Any], metadata: dict[str, Any], claims: Any
) -> dict[str, Any]:
    """The userinfo claims (the e-mail is there, not in the ID token, at many providers);
    ProConnect answers with a signed JWT, others with JSON. Its `sub` must be the token's."""
    if claims.get("email") or not metadata.get("userinfo_endpoint"):
        return {}
    try:
        response = client.get(metadata["userinfo_endpoint"], token=token)
        response.raise_for_status()
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            keys = KeySet.import_key_set(client.fetch_jwk_set())
            decoded = jwt.decode(response.text.strip(), keys)
            info: dict[str, Any] = dict(decoded.claims)
            if info.get("iss") != claims["iss"] or client.client_id not in _audience(info):
                raise SignInRefused("userinfo_mismatch")
        else:
            info = dict(response.json())
    except SignInRefused:
        raise
    except (requests.RequestException, ValueError, JoseError) as exc:
        raise SignInRefused("userinfo_failed") from exc
    if info.get("sub") != claims["sub"]:
        raise SignInRefused("userinfo_mismatch")
    return info


def _code(error: object) -> str:
    """An error code for the audit log: the callback's `error` is whatever the address says."""
    return re.sub(r"[^a-z0-9_]", "", str(error or "error").lower())[:40] or "error"


def _audience(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end her session at the provider too, if it says."""
    if not enabled():
        return None
    try:
        result = _client().create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
        )
    except (requests.RequestException, ValueError, RuntimeError, OAuthError):
        return None
    url = result.get("url") if isinstance(result, dict) else None
    return str(url) if url else None
