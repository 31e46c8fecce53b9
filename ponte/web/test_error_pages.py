"""Error pages a person can land on: styled like the rest of Ponte and in Portuguese."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults
from django.views.csrf import csrf_failure

from ponte.errors import server_error

pytestmark = pytest.mark.django_db


def looks_like_ponte(html: str) -> None:
    assert "/static/ponte/ponte.css" in html
    assert '<html lang="pt-br">' in html
    assert 'class="topbar"' in html


def test_a_missing_page_is_a_styled_portuguese_404(client):
    answer = client.get("/nao-existe/")

    assert answer.status_code == 404
    html = answer.content.decode()
    looks_like_ponte(html)
    assert "Página não encontrada" in html and "Not Found" not in html


def test_a_missing_page_is_in_english_for_who_chose_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/nao-existe/").content.decode()

    assert "Page not found" in html and '<html lang="en">' in html


def test_server_error_and_forbidden_pages_are_styled_and_in_portuguese():
    request = RequestFactory().get("/conversas/")

    with translation.override("pt-br"):  # what the language middleware leaves active
        failed = server_error(request)
        forbidden = defaults.permission_denied(request, PermissionDenied())
        expired = csrf_failure(request, reason="CSRF token missing.")

    assert (failed.status_code, forbidden.status_code, expired.status_code) == (500, 403, 403)
    for answer, words in ((failed, "Erro no servidor"), (forbidden, "Acesso negado"),
                          (expired, "A página expirou")):
        html = answer.content.decode()
        looks_like_ponte(html)
        assert words in html
