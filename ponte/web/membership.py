"""Which organization a signed-in person is acting for, and as what role."""

import uuid
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from ponte.accounts.models import Member
from ponte.desk.presence import do_mark_seen, seen_recently

SESSION_KEY = "ponte_org_id"


def memberships(user) -> QuerySet[Member]:
    return Member.objects.filter(user=user).select_related("org").order_by("org__name")


def current_member(request: HttpRequest) -> Member:
    """The organization picked in this session; a stale or missing pick falls back to the first."""
    mine = memberships(request.user)
    chosen = request.session.get(SESSION_KEY)
    member = (mine.filter(org_id=chosen).first() if chosen else None) or mine.first()
    if member is None:
        raise Http404("No organization for this user.")
    return member


def choose_org(request: HttpRequest, org_id: str) -> Member:
    """Act for `org_id` from now on; 404 unless the person is a member, so ids reveal nothing."""
    try:
        wanted = uuid.UUID(org_id)
    except ValueError:
        raise Http404("Not an organization id.") from None
    member = memberships(request.user).filter(org_id=wanted).first()
    if member is None:
        raise Http404("Not a member of this organization.")
    request.session[SESSION_KEY] = str(member.org_id)
    return member


def member_required(view=None, *, manage: bool = False):
    """Signed in, a member of an organization; `manage` also requires owner or admin."""

    def decorate(view_func):
        @login_required
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs):
            request.member = current_member(request)
            if not seen_recently(request.member):  # online, for automatic assignment
                do_mark_seen(request.member.org_id, request.user.pk)
            if manage and not request.member.can_manage:
                raise PermissionDenied("Only owners and admins can open this page.")
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
