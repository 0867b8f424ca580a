"""Easy-to-read French (FALC): its own address and catalogue, French formats, reachable from the
language choice, and a request sent from it stored like any other."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from helpers.fixture_types import StoredRequests, Submit

from portal.core.i18n import VARIANTS

EASY = "fr-falc"


def heading(body: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", body)
    assert found, "no heading"
    return html.unescape(found.group(1))


def test_the_easy_form_answers_in_french_with_its_own_words(client: FlaskClient) -> None:
    response = client.get(f"/{EASY}/")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in body
    assert "Une personne va vous appeler pour vous aider." in body
    assert "C'est gratuit. C'est secret." in body
    assert "Votre numéro de téléphone" in body
    plain = html.unescape(client.get("/fr/").get_data(as_text=True))
    assert "Une personne va vous appeler pour vous aider." not in plain
    assert "Un intervenant social vous rappellera" in plain
    assert "Un intervenant social vous rappellera" not in body
    assert heading(body) != heading(plain)
    # The call is in French: the call language is chosen for her, as on the French form.
    assert re.search(r'<option selected value="fr">|<option value="fr" selected>', body)


def test_the_help_page_is_easy_to_read(client: FlaskClient) -> None:
    body = html.unescape(client.get(f"/{EASY}/help").get_data(as_text=True))
    assert "Ce site ne sert pas en cas de danger." in body
    assert "Ce site n'est pas un service d'urgence." not in body
    assert '<html lang="fr"' in body


def test_a_request_sent_from_the_easy_form_is_stored(
    submit: Submit, client: FlaskClient, stored_requests: StoredRequests
) -> None:
    response = submit(f"/{EASY}/", follow=True)
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert response.request.path == f"/{EASY}/sent"
    assert "Nous avons votre demande" in body
    assert "Nous appelons avec ce numéro :" in body
    (stored,) = stored_requests()
    assert stored.page_language == EASY
    assert stored.call_language == "fr"


def test_the_language_choice_links_to_it_from_another_language(client: FlaskClient) -> None:
    body = client.get("/ar/help").get_data(as_text=True)
    link = re.search(rf'<li><a href="/{EASY}/help"[^>]*>([^<]+)</a></li>', body)
    assert link, "no link to the easy-to-read help page"
    assert link.group(1) == VARIANTS[EASY].name == "Français facile"
    assert f'lang="{EASY}"' not in body  # lang attributes name French itself
    easy = client.get(f"/{EASY}/").get_data(as_text=True)
    assert "<summary>Français facile</summary>" in easy
    assert 'href="/fr/" lang="fr"' in easy
    assert f'href="/{EASY}/" lang="fr" hreflang="fr" aria-current="true"' in easy


def test_its_pages_keep_its_address_and_an_unknown_page_answers_in_it(client: FlaskClient) -> None:
    body = client.get(f"/{EASY}/").get_data(as_text=True)
    assert f'href="/{EASY}/help"' in body and f'href="/{EASY}/privacy"' in body
    missing = client.get(f"/{EASY}/nowhere")
    assert missing.status_code == 404
    assert '<html lang="fr"' in missing.get_data(as_text=True)


def test_browsers_asking_for_french_get_the_ordinary_form(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.headers["Location"].endswith("/fr/")
