"""Two session cookies, one per side: the public one and the back office's, never each other's.

Both are signed cookies without an expiry (they end with the browser); the back office's holds
only the token of a server-side session (see auth.py). Under HTTPS their names take the
`__Host-` prefix, so that the browser keeps them only if they are Secure, for the whole site and
for this exact host (no sibling domain can set or read them).
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

STAFF_PREFIX = "/staff"


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def _side() -> str:
    """Which side the current request is on: "staff" or "public"."""
    return "staff" if has_request_context() and is_staff_path(request.path) else "public"


def cookie_name(app: Flask, side: str) -> str:
    """The cookie's name on a side: `__Host-` prefixed under HTTPS."""
    key = "STAFF_SESSION_COOKIE_NAME" if side == "staff" else "SESSION_COOKIE_NAME"
    name = str(app.config[key])
    return "__Host-" + name if app.config["HTTPS"] else name


class TwoSidedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a name and a signing salt of their own per side:
    a public cookie copied into the staff side (or back) does not verify."""

    def get_cookie_name(self, app: Flask) -> str:
        return cookie_name(app, _side())

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self.serializer_for(app, _side())

    def serializer_for(self, app: Flask, side: str) -> URLSafeTimedSerializer | None:
        """The signer of one side's cookie (tests and tools read cookies through it)."""
        if not app.secret_key:
            return None
        # Older keys verify too (SECRET_KEY_FALLBACKS), the current one signs: last in the list.
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.secret_key]
        return URLSafeTimedSerializer(
            keys,
            salt=f"{side}-session",
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )


def init_app(app: Flask) -> None:
    app.session_interface = TwoSidedSessionInterface()
