"""Filters for the chat's status and assignment: people's names, times kept as text."""

from datetime import datetime

from django import template

from ponte.desk.labels import name_of

register = template.Library()


@register.filter
def person(user) -> str:
    return name_of(user)


@register.filter
def moment(text: str) -> datetime | None:
    """An ISO 8601 time stored in an event's data, as a time `date` can show locally."""
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None
