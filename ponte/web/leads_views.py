"""The Leads page: every number that wrote, hottest first, for attendants to work through.

Filters are GET parameters anyone can type: a value we do not know is ignored and the page
says so. Status and owner change through a small POST to the page itself.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ponte.accounts.models import Member
from ponte.leads import queries
from ponte.leads.access import check_member_lead_change
from ponte.leads.models import Lead
from ponte.leads.services import LeadRefused, do_update_lead
from ponte.web.erp_context import with_lead_erp_names
from ponte.web.membership import member_required
from ponte.web.params import query_id

PAGE = 50
MAX_ROWS = 500  # what a live refresh re-reads at most, to keep the rows a person scrolled to
BANDS = {"hot": "hot", "warm": "warm", "cold": "cold",
         "quente": "hot", "morno": "warm", "frio": "cold"}  # the words people say, too
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
FILTER_NAMES = {"band": gettext_lazy("Temperatura"), "status": gettext_lazy("Situação"),
                "owner": gettext_lazy("Responsável"), "period": gettext_lazy("Pontuado"),
                "before": gettext_lazy("Página")}


def team(member: Member) -> list[Member]:
    return list(Member.objects.for_org(member.org).select_related("user")
                .filter(user__is_active=True).order_by("user__email"))


def row_context(member: Member, members: list[Member], filters: dict) -> dict:
    """What each row needs besides its lead: who may own it, and the filters to come back to."""
    return {"org": member.org, "member": member, "members": members,
            "member_user_ids": [m.user_id for m in members], "statuses": Lead.Status.choices,
            "query": urlencode({name: value for name, value in filters.items() if value})}


def read_filters(request: HttpRequest, members: list[Member]) -> tuple[dict, list[str]]:
    """The filters asked for, each valid or left empty, and the names of those ignored."""
    asked = {name: request.GET.get(name, "").strip() for name in ("band", "status", "owner",
                                                                   "period")}
    filters = {"band": BANDS.get(asked["band"].lower(), ""),
               "status": asked["status"] if asked["status"] in Lead.Status.values else "",
               "owner": "", "period": asked["period"] if asked["period"] in PERIODS else ""}
    owner_ids = {str(m.user_id) for m in members}
    if asked["owner"] in ("me", "nobody") or asked["owner"] in owner_ids:
        filters["owner"] = asked["owner"]
    ignored = [str(FILTER_NAMES[name]) for name, value in asked.items()
               if value and not filters[name]]
    return filters, ignored


def rank_key_text(lead: Lead) -> str:
    return f"{'none' if lead.score is None else lead.score}:{lead.pk}"


def read_rank_key(text: str) -> queries.RankKey | None:
    """"85:123" or "none:123" (an unscored lead), as `rank_key_text` writes it; else None."""
    score, _sep, pk = text.partition(":")
    lead_id = query_id(pk)
    if lead_id is None:
        return None
    if score == "none":
        return (None, lead_id)
    value = query_id(score)
    return (value, lead_id) if value is not None and value <= 100 else None


def leads_context(request: HttpRequest) -> dict:
    member: Member = request.member
    members = team(member)
    filters, ignored = read_filters(request, members)
    raw_before = request.GET.get("before", "")
    before = read_rank_key(raw_before)
    if raw_before and before is None:
        ignored.append(str(FILTER_NAMES["before"]))
    # A live refresh asks for as many rows as the tab shows, so loaded pages stay.
    limit = min(max(query_id(request.GET.get("limit")) or PAGE, PAGE), MAX_ROWS)
    owner = filters["owner"]
    rows = queries.ranked(
        member.org, status=filters["status"] or None, band=filters["band"] or None,
        owner_id=member.user_id if owner == "me" else int(owner) if owner.isdigit() else None,
        unowned=owner == "nobody",
        scored_since=timezone.now() - PERIODS[filters["period"]] if filters["period"] else None,
        after=before, limit=limit)
    shown = with_lead_erp_names(member.org.pk, rows[:limit])
    return {**row_context(member, members, filters), "leads": shown, "filters": filters,
            "filtered": any(filters.values()), "ignored": ignored, "paged": before is not None,
            "next_before": rank_key_text(shown[-1]) if len(rows) > limit else ""}


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def leads_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return update_lead(request)
    return render(request, "web/leads.html", leads_context(request))


@member_required
@require_GET
def leads_list(request: HttpRequest) -> HttpResponse:
    """The rows alone: a live refresh, or the next page under the "more" link."""
    return render(request, "web/_leads_list.html", leads_context(request))


def update_lead(request: HttpRequest) -> HttpResponse:
    """A row's status or owner; htmx gets the row back (with the refusal, if any)."""
    member: Member = request.member
    lead_id = query_id(request.POST.get("lead"))
    lead = queries.leads(member.org).filter(pk=lead_id).first() if lead_id else None
    if lead is None:
        raise Http404("No such lead.")
    error, status, changes = "", 200, {}
    try:
        changes = check_member_lead_change(member, lead, status=request.POST.get("status"),
                                           owner_email=request.POST.get("owner"))
        do_update_lead(lead, changes)
    except LeadRefused as exc:
        error, status = exc.detail, exc.status
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif changes:
            messages.success(request, _("Lead atualizado."))
        return redirect(request.get_full_path())
    members = team(member)
    filters, _ignored = read_filters(request, members)
    return render(request, "web/_lead_row.html", {
        **row_context(member, members, filters),
        "lead": with_lead_erp_names(member.org.pk, [queries.leads(member.org).get(pk=lead.pk)])[0],
        "error": error}, status=status)
