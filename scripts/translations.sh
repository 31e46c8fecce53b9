#!/bin/sh
# Regenerate ponte/locale/en/LC_MESSAGES/django.po from the Portuguese msgids in templates and
# Python, then compile the .mo Django reads. New strings arrive with an empty msgstr (shown in
# Portuguese until translated); fill them in and run this again. Needs GNU gettext (msgfmt).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
admin="$root/.venv/bin/django-admin"
[ -x "$admin" ] || admin=django-admin
# Settings create a data dir and a secret key; keep them out of the source tree.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
cd "$root/ponte"
export DJANGO_SETTINGS_MODULE=ponte.settings PYTHONPATH="$root" PONTE_DATA_DIR="$data"
"$admin" makemessages --locale en --domain django --add-location file --no-obsolete \
  --ignore 'test_*.py' --ignore '*/migrations/*' --ignore '__pycache__'
"$admin" compilemessages --locale en --ignore '.venv'
