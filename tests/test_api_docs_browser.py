"""The API's Swagger UI in headless Chromium, with every other host unreachable."""

from urllib.parse import urlsplit

import pytest

from tests.browser import chromium
from tests.procs import Server, isolated_env

pytestmark = pytest.mark.slow


def test_api_docs_render_offline_from_our_own_static_files(tmp_path, chromium_path):
    with isolated_env(tmp_path) as env, Server(env) as server, \
            chromium(chromium_path) as browser:
        page = browser.new_page()
        ours = urlsplit(server.base).netloc
        elsewhere: list[str] = []

        def only_ours(route):
            url = route.request.url
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours:
                elsewhere.append(url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", only_ours)
        page.goto(server.base + "/api/v1/docs")
        page.get_by_text("/api/v1/conversations/{conversation_id}/messages").first.wait_for()
        assert page.locator(".opblock").count() >= 10
        assert elsewhere == []
