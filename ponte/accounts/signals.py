"""Signals about tenants' instances, for apps that may not import each other."""

from django.dispatch import Signal

# An instance's WhatsApp session became connected (sent on commit, with `instance`):
# messages that waited for it can go now.
session_connected = Signal()
