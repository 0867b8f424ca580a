"""Locale selection (the URL first), right-to-left languages and language names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale, support
from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import Babel, Domain, get_locale

from portal.core.resources import resource
from portal.core.security import is_staff_path

babel = Babel()
PUBLIC_CATALOGUES = resource("translations")
STAFF_CATALOGUES = resource("staff_translations")


@dataclass(frozen=True)
class Variant:
    """A public language written another way: its own catalogue, another language's formats."""

    locale: str  # dates, numbers and the page's lang attribute
    catalogue: str  # the folder under translations/
    name: str  # as the language menu shows it


# Easy-to-read French (FALC, "facile à lire et à comprendre"): its address code names it.
VARIANTS = {"fr-falc": Variant(locale="fr", catalogue="fr_FALC", name="Français facile")}


def locale_of(code: str) -> str:
    """The Babel locale of a public language code: 'fr' for 'fr-falc', the code itself otherwise."""
    variant = VARIANTS.get(code)
    return variant.locale if variant else code


def catalogue_of(code: str) -> str:
    """The folder of a public language's catalogue under translations/."""
    variant = VARIANTS.get(code)
    return variant.catalogue if variant else code


def language_in_path() -> str | None:
    """The public language the address starts with, also when no route matched it."""
    first = request.path.lstrip("/").split("/", 1)[0]
    return first if first in public_languages() else None


class VariantDomain(Domain):
    """The public catalogue of a language variant, which Babel alone would take for its base."""

    def __init__(self, code: str) -> None:
        super().__init__(domain="messages")
        self.code = code

    def get_translations(self) -> support.Translations:
        cached: support.Translations | None = self.cache.get(self.code)
        if cached is None:
            path = PUBLIC_CATALOGUES / catalogue_of(self.code) / "LC_MESSAGES" / "messages.mo"
            with path.open("rb") as fh:
                cached = self.cache[self.code] = support.Translations(fh)
        return cached


_VARIANT_DOMAINS = {code: VariantDomain(code) for code in VARIANTS}


def _use_variant_catalogue() -> None:
    """Before each request: a page under /fr-falc/ reads the easy-to-read catalogue."""
    lang = language_in_path()
    if lang in _VARIANT_DOMAINS:
        _VARIANT_DOMAINS[lang].as_default()


def public_languages() -> list[str]:
    return list(current_app.config["PUBLIC_LANGUAGES"])


def default_language() -> str:
    return public_languages()[0]


def best_language() -> str:
    """The person's best supported language from Accept-Language, else the default."""
    plain = [code for code in public_languages() if code not in VARIANTS]
    return request.accept_languages.best_match(plain) or default_language()


def select_locale() -> str:
    """The language in the URL if it is one of ours (also on an address no route matched, so that
    an error under /ar/ is answered in Arabic), else the browser's best, else French."""
    lang = (request.view_args or {}).get("lang") if request else None
    if request and not isinstance(lang, str):
        lang = language_in_path()
    if isinstance(lang, str) and lang in public_languages():
        return locale_of(lang)
    if request and is_staff_path(request.path):
        staff = current_app.config["STAFF_LANGUAGES"]
        return request.accept_languages.best_match(staff) or staff[0]
    return best_language() if request else default_language()


def is_rtl(lang: str) -> bool:
    return lang.split("_")[0] in current_app.config["RIGHT_TO_LEFT"]


@functools.lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """The language's own name in its own script, as people look for it: 'العربية', 'Türkçe'."""
    if code in VARIANTS:
        return VARIANTS[code].name
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def current_lang() -> str:
    """The public language code of the page, as in its address ('fr-falc' included)."""
    locale = str(get_locale() or default_language())
    lang = language_in_path() if has_request_context() else None
    return lang if lang in VARIANTS and locale_of(lang) == locale else locale


def html_lang(code: str | None = None) -> str:
    """The value of a lang attribute: a variant is written in its base language."""
    return locale_of(code or current_lang()).replace("_", "-")


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
        "html_lang": html_lang,
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
        if not (path := folder / catalogue_of(lang) / "LC_MESSAGES" / "messages.mo").exists()
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
    app.before_request(_use_variant_catalogue)
    app.context_processor(_template_helpers)
    check_catalogues(app)
