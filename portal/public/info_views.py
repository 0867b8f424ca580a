"""The pages that only inform: help and safety, useful contacts, her data, accessibility, and
the quick exit."""

from __future__ import annotations

from babel.dates import format_date
from flask import current_app, redirect, render_template, session
from werkzeug.wrappers import Response

from portal.core.helplines import NATIONAL_NUMBERS
from portal.public.accessibility_statement import STATUS_SENTENCES_FR, footer_words, statement
from portal.public.blueprint import bp
from portal.public.directory import directory_page

bp.add_app_template_global(footer_words, "accessibility_footer")


@bp.get("/<lang>/help")
def help_page(lang: str) -> str:
    return render_template("public/help.html", numbers=NATIONAL_NUMBERS)


@bp.get("/<lang>/directory")
def directory(lang: str) -> str:
    return directory_page()


@bp.get("/<lang>/privacy")
def privacy(lang: str) -> str:
    return render_template("public/privacy.html")


@bp.get("/<lang>/accessibility")
def accessibility(lang: str) -> str:
    """The statement in the official template, worked out from the RGAA grid."""
    found = statement()
    audited = (
        format_date(found.audited_on, format="long", locale="fr") if found.audited_on else None
    )
    return render_template(
        "public/accessibility.html",
        statement=found,
        audited_on=audited,
        status_sentence=STATUS_SENTENCES_FR[found.status],
    )


@bp.get("/exit")
def exit_site() -> Response:
    """Leave at once: wipe this site's cookies and storage, then go to a neutral site."""
    session.clear()
    response = redirect(current_app.config["EXIT_URL"], 303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
