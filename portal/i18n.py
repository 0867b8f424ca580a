"""Locale selection (the URL first), right-to-left languages and language names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale
from flask import Flask, current_app, request, url_for
from flask_babel import Babel, get_locale

from .resources import resource
from .security import is_staff_path

babel = Babel()
PUBLIC_CATALOGUES = resource("translations")
STAFF_CATALOGUES = resource("staff_translations")


def public_languages() -> list[str]:
    return list(current_app.config["PUBLIC_LANGUAGES"])


def default_language() -> str:
    return public_languages()[0]


def best_language() -> str:
    """The person's best supported language from Accept-Language, else the default."""
    return request.accept_languages.best_match(public_languages()) or default_language()


def select_locale() -> str:
    """The language in the URL if it is one of ours, else the browser's best, else French."""
    lang = (request.view_args or {}).get("lang") if request else None
    if isinstance(lang, str) and lang in public_languages():
        return lang
    if request and is_staff_path(request.path):
        staff = current_app.config["STAFF_LANGUAGES"]
        return request.accept_languages.best_match(staff) or staff[0]
    return best_language() if request else default_language()


def is_rtl(lang: str) -> bool:
    return lang.split("_")[0] in current_app.config["RIGHT_TO_LEFT"]


@functools.lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """The language's own name in its own script, as people look for it: 'العربية', 'Türkçe'."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def current_lang() -> str:
    return str(get_locale() or default_language())


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    url: str
    current: bool


def language_links() -> list[LanguageLink]:
    """The same page in each public language, keeping the card code; the form otherwise."""
    args = dict(request.view_args or {})
    endpoint = request.endpoint if "lang" in args else None
    links = []
    for code in public_languages():
        if endpoint:
            url = url_for(endpoint, **{**args, "lang": code})
        else:
            url = url_for("public.request_form", lang=code)
        links.append(LanguageLink(code, language_name(code), url, code == current_lang()))
    return links


def _template_helpers() -> dict[str, Callable[..., object]]:
    return {
        "current_lang": current_lang,
        "rtl": lambda: is_rtl(current_lang()),
        "language_links": language_links,
        "language_name": language_name,
    }


def check_catalogues(app: Flask) -> None:
    """Refuse to start when a configured language has no compiled catalogue."""
    missing = [
        str(path)
        for folder, languages in (
            (PUBLIC_CATALOGUES, app.config["PUBLIC_LANGUAGES"]),
            (STAFF_CATALOGUES, app.config["STAFF_LANGUAGES"]),
        )
        for lang in languages
        if not (path := folder / lang / "LC_MESSAGES" / "messages.mo").exists()
    ]
    if missing:
        raise RuntimeError(f"Missing compiled catalogues {missing}: run `make translations`.")


def init_app(app: Flask) -> None:
    # Two catalogues merged: the back office's, then the public site's (every public language).
    # The public one comes last because the last catalogue loaded sets the plural rule.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{STAFF_CATALOGUES};{PUBLIC_CATALOGUES}"
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["PUBLIC_LANGUAGES"][0])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(_template_helpers)
    check_catalogues(app)
