"""A real `ponte web` behind an HTTPS address, with and without a trusted proxy in front."""

import re

import httpx
import pytest

from tests.procs import Server, isolated_env, ponte_init

pytestmark = pytest.mark.slow
PUBLIC = "https://ponte.example.test"
HOST = {"Host": "ponte.example.test"}


@pytest.fixture(scope="module")
def deployments(tmp_path_factory):
    """Two servers on one database: one trusts the proxy on 127.0.0.1, one trusts nobody."""
    data = tmp_path_factory.mktemp("deploy")
    with isolated_env(data) as env:
        made = ponte_init(env, "wppconnect")
        common = {"PONTE_PUBLIC_URL": PUBLIC, "PONTE_LOGIN_MAX_FAILURES_PER_IP": "3"}
        with Server(env, extra_env=common, command="web") as bare, \
                Server(env, extra_env=common | {"PONTE_TRUSTED_PROXIES": "127.0.0.1/32"},
                       command="web") as proxied:
            yield {"bare": bare, "proxied": proxied, "made": made}


def sign_in(server: Server, email: str, password: str, headers: dict | None = None) -> int:
    """One sign-in attempt as a browser makes it; the cookies are carried by hand because
    they are `Secure` and this test talks plain HTTP to the port behind the proxy."""
    headers = HOST | (headers or {})
    form = httpx.get(server.base + "/login/", headers=headers, timeout=30)
    token = form.cookies["csrftoken"]
    answer = httpx.post(server.base + "/login/", headers=headers | {
        "Cookie": f"csrftoken={token}"},
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        timeout=30)  # a password check takes seconds on a slow, busy machine
    return answer.status_code


def fresh_email(n: int) -> str:
    return f"guess-{n}@loja.test"


def test_a_client_cannot_pick_its_own_address_to_escape_the_login_limit(deployments):
    server, made = deployments["bare"], deployments["made"]
    for n in range(3):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
        assert sign_in(server, fresh_email(n), "wrong", spoofed) == 200

    another_claim = {"X-Forwarded-For": "198.51.100.200"}
    assert sign_in(server, made["owner_email"], made["owner_password"], another_claim) == 429


def test_behind_a_trusted_proxy_each_real_client_is_counted_apart(deployments):
    server, made = deployments["proxied"], deployments["made"]
    for n in range(3):
        # The client prepends a lie; the proxy appends the address it really saw.
        forwarded = {"X-Forwarded-For": f"10.9.9.{n}, 203.0.113.7"}
        assert sign_in(server, fresh_email(10 + n), "wrong", forwarded) == 200

    assert sign_in(server, made["owner_email"], made["owner_password"],
                   {"X-Forwarded-For": "203.0.113.7"}) == 429
    assert sign_in(server, made["owner_email"], made["owner_password"],
                   {"X-Forwarded-For": "203.0.113.8"}) == 302


def test_https_through_a_trusted_proxy_gets_secure_cookies_and_hsts(deployments):
    answer = httpx.get(deployments["proxied"].base + "/login/",
                       headers=HOST | {"X-Forwarded-Proto": "https"})
    assert answer.status_code == 200
    assert "max-age=" in answer.headers["Strict-Transport-Security"]
    assert re.search(r"csrftoken=[^,]*;.*\bSecure\b", answer.headers["Set-Cookie"])


def test_a_client_claiming_https_to_an_unlisted_proxy_is_not_believed(deployments):
    answer = httpx.get(deployments["bare"].base + "/login/",
                       headers=HOST | {"X-Forwarded-Proto": "https"})
    assert answer.status_code == 200
    assert "Strict-Transport-Security" not in answer.headers
    # The cookies stay Secure all the same: the public address is HTTPS.
    assert re.search(r"csrftoken=[^,]*;.*\bSecure\b", answer.headers["Set-Cookie"])


def test_only_the_public_host_and_loopback_are_served(deployments):
    base = deployments["bare"].base
    assert httpx.get(base + "/login/", headers={"Host": "evil.example"}).status_code == 400
    assert httpx.get(base + "/login/", headers=HOST).status_code == 200
    assert httpx.get(base + "/healthz").status_code == 200  # Host: 127.0.0.1:<port>
    assert httpx.get(base.replace("127.0.0.1", "localhost") + "/healthz").status_code == 200


def test_a_signed_in_member_reads_its_instances_in_healthz_from_a_real_server(tmp_path):
    from tests.procs import signed_in

    with isolated_env(tmp_path) as env:
        mine, theirs = ponte_init(env, "wppconnect", "Loja A"), ponte_init(env, "evolution", "B")
        with Server(env, command="web") as server:
            assert "instances" not in httpx.get(server.base + "/healthz").json()
            member = signed_in(server.base, mine["owner_email"], mine["owner_password"])
            rows = member.get("/healthz").json()["instances"]
            member.close()
            assert [row["id"] for row in rows] == [mine["instance_id"]]
            assert theirs["instance_id"] not in str(rows)
