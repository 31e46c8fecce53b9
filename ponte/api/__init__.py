"""The REST API for integrators (django-ninja, bearer API keys)."""
