"""Configuration from the environment: the embedded default, and the switches to scale out."""

import json
import subprocess
import sys


def settings_under(env: dict, tmp_path) -> dict:
    code = ("import json, django; from django.conf import settings; django.setup();"
            "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'],"
            "'layer': settings.CHANNEL_LAYERS['default']['BACKEND']}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "PONTE_DATA_DIR": str(tmp_path),
                              "DJANGO_SETTINGS_MODULE": "ponte.settings", **env})
    return json.loads(out.stdout)


def test_default_is_sqlite_and_an_in_memory_layer(tmp_path):
    assert settings_under({}, tmp_path) == {
        "db": "django.db.backends.sqlite3", "layer": "channels.layers.InMemoryChannelLayer"}


def test_database_and_redis_urls_switch_to_postgresql_and_redis(tmp_path):
    chosen = settings_under({"DATABASE_URL": "postgresql://u@127.0.0.1:5432/x",
                             "REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    assert chosen == {"db": "django.db.backends.postgresql",
                      "layer": "channels_redis.core.RedisChannelLayer"}


def security_under(env: dict, tmp_path) -> dict:
    code = ("import json, django; from django.conf import settings; django.setup();"
            "print(json.dumps({name: getattr(settings, name) for name in ("
            "'ALLOWED_HOSTS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
            "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "PONTE_DATA_DIR": str(tmp_path),
                              "DJANGO_SETTINGS_MODULE": "ponte.settings", **env})
    return json.loads(out.stdout)


def test_an_https_public_url_secures_cookies_and_names_the_only_public_host(tmp_path):
    seen = security_under({"PONTE_PUBLIC_URL": "https://crm.loja.test"}, tmp_path)
    assert seen["ALLOWED_HOSTS"] == ["crm.loja.test", "127.0.0.1", "localhost", "[::1]"]
    assert seen["SESSION_COOKIE_SECURE"] and seen["CSRF_COOKIE_SECURE"]
    assert seen["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert seen["SECURE_PROXY_SSL_HEADER"] is None  # no proxy is trusted unless named


def test_the_local_default_serves_loopback_over_plain_http(tmp_path):
    seen = security_under({}, tmp_path)
    assert "*" not in seen["ALLOWED_HOSTS"] and "127.0.0.1" in seen["ALLOWED_HOSTS"]
    assert not seen["SESSION_COOKIE_SECURE"] and not seen["SECURE_HSTS_SECONDS"]


def test_the_proxy_header_is_honoured_only_with_a_trusted_proxy(tmp_path):
    seen = security_under({"PONTE_PUBLIC_URL": "https://crm.loja.test",
                           "PONTE_TRUSTED_PROXIES": "10.0.0.0/8"}, tmp_path)
    assert seen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
