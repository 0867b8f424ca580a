"""The Flask application class, able to attach its web part when it is first needed.

A command run as `flask --app portal …` needs the configuration and the list of commands, not
the database layer, the sign-in libraries and every view: importing those costs most of a
second. When the flask command loads the app, the rest (extensions, blueprints, headers) is
attached the first time anything asks for it: a request, an extension (the database, the
limiter, the locale), the URL map, a shell or a command of the portal's. Served by gunicorn or
built by a test, the app is whole before it is returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask.ctx import RequestContext
from werkzeug.routing import Map

Attach = Callable[[Flask], None]


def loaded_by_flask_command() -> bool:
    """Whether the `flask` command is loading the app (to list or run one of its commands)."""
    context = click.get_current_context(silent=True)
    return context is not None and context.find_object(ScriptInfo) is not None


class PortalApp(Flask):
    """Flask, with its extensions and blueprints attached now or, for the flask command, later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._settled = True  # whole, or built by a caller that attaches at once
        self._pending: Attach | None = None
        self._attaching = False
        self._failed: BaseException | None = None
        self._attach_lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def attach_later(self, attach: Attach) -> None:
        self._pending = attach
        self._settled = False

    def attach_now(self) -> None:
        """Attach the web part once; other threads wait for it, the attaching one goes on. If it
        fails, every later use fails with it rather than run on half an app."""
        if self._settled:  # every extension lookup passes here: one test once whole
            return
        with self._attach_lock:
            self._raise_if_failed()  # here too for a thread that waited for the one that failed
            if self._pending is None or self._attaching:
                return
            self._attaching = True
            try:
                self._pending(self)
            except BaseException as exc:
                self._failed = exc
                raise
            else:
                self._settled = True
            finally:
                self._attaching = False
                self._pending = None

    def _raise_if_failed(self) -> None:
        if self._failed is not None:
            raise RuntimeError("the portal could not be built") from self._failed

    # Every extension looks itself up here, and routing reads the map: either one attaches.
    @property
    def extensions(self) -> dict[str, Any]:
        self.attach_now()
        return self._extensions

    @extensions.setter
    def extensions(self, value: dict[str, Any]) -> None:
        self._extensions = value

    @property
    def url_map(self) -> Map:
        self.attach_now()
        return self._url_map

    @url_map.setter
    def url_map(self, value: Map) -> None:
        self._url_map = value

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        self.attach_now()
        return super().request_context(environ)

    def make_shell_context(self) -> dict[str, Any]:
        self.attach_now()
        return super().make_shell_context()
