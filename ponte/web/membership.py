"""Which organization a signed-in person is acting for, and as what role."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from ponte.accounts.models import Member

SESSION_KEY = "ponte_org_id"


def current_member(request: HttpRequest) -> Member:
    memberships = Member.objects.filter(user=request.user).select_related("org")
    chosen = request.session.get(SESSION_KEY)
    member = (memberships.filter(org_id=chosen).first() if chosen else None) or \
        memberships.order_by("org__name").first()
    if member is None:
        raise Http404("No organization for this user.")
    return member


def member_required(view=None, *, manage: bool = False):
    """Signed in, a member of an organization; `manage` also requires owner or admin."""

    def decorate(view_func):
        @login_required
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs):
            request.member = current_member(request)
            if manage and not request.member.can_manage:
                raise PermissionDenied("Only owners and admins can open this page.")
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
