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
