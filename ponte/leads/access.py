"""Who may change a lead from the pages: the API's key acts for the whole organization, but
a member acts as one person, and an attendant must not take a colleague's customer away."""

from django.utils.translation import gettext as _

from ponte.accounts.models import Member
from ponte.leads.models import Lead
from ponte.leads.services import LeadRefused, check_lead_owner


def may_change(member: Member, lead: Lead) -> bool:
    """Owners and admins change any lead; an attendant, the leads that are theirs or nobody's."""
    return member.can_manage or lead.owner_id in (None, member.user_id)


def check_member_lead_change(member: Member, lead: Lead, *, status: str | None,
                             owner_email: str | None) -> dict:
    """The changes a member asked for that differ from the lead now, once allowed.

    `None` leaves a field alone; an empty `owner_email` gives the lead to nobody.
    """
    if not may_change(member, lead):
        raise LeadRefused("not_allowed", _(
            "Este lead está com outra pessoa da equipe: só ela, um administrador ou o "
            "proprietário pode mudá-lo."), status=403)
    changes: dict = {}
    if status is not None and status != lead.status:
        if status not in Lead.Status.values:
            raise LeadRefused("invalid_status", _("Situação de lead desconhecida."))
        changes["status"] = status
    if owner_email is not None:
        owner = check_lead_owner(lead.org_id, owner_email)
        owner_id = owner.pk if owner else None
        if owner_id != lead.owner_id:
            if not member.can_manage and owner_id not in (None, member.user_id):
                raise LeadRefused("not_allowed", _(
                    "Só um administrador ou o proprietário passa um lead para outra pessoa."),
                    status=403)
            changes["owner"] = owner
    return changes
