"""Sign-in by email (rate limited) and the organization picker for people in several."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ponte.web import membership, ratelimit


def stored_username(typed: str) -> str:
    """Owners sign in with their email, typed in any case; match the username or the email."""
    users = get_user_model().objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
    found = users.order_by("pk").values_list("username", flat=True).first()
    return found or typed


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form (field names `username`, `password`) keyed by email."""

    username = forms.CharField(label=_("E-mail"), max_length=254, widget=forms.TextInput(
        attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}))
    password = forms.CharField(label=_("Senha"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": _("E-mail ou senha incorretos."),
        "inactive": _("Esta conta está desativada."),
        "rate_limited": _("Muitas tentativas de entrar sem sucesso. "
                          "Aguarde alguns minutos e tente novamente."),
    }

    def __init__(self, request: HttpRequest | None = None, *args, blocked: bool = False,
                 **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.blocked = blocked

    def clean(self) -> dict:
        # A blocked attempt never reaches the password check, right or wrong.
        if self.blocked:
            raise ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        if self.cleaned_data.get("username"):
            self.cleaned_data["username"] = stored_username(self.cleaned_data["username"])
        return super().clean()


class SignInView(LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def typed_email(self) -> str:
        return self.request.POST.get("username", "")

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            kwargs["blocked"] = ratelimit.sign_in_blocked(self.request, self.typed_email())
        return kwargs

    def form_invalid(self, form: EmailAuthenticationForm) -> HttpResponse:
        if form.has_error(NON_FIELD_ERRORS, "rate_limited"):
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            ratelimit.record_sign_in_failure(self.request, self.typed_email())
        return super().form_invalid(form)

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:
        ratelimit.clear_sign_in_failures(self.typed_email())
        return super().form_valid(form)

    def get_success_url(self) -> str:
        """One organization: straight in. Several: the picker first, keeping `next`."""
        next_url = self.get_redirect_url()
        mine = list(membership.memberships(self.request.user)[:2])
        if len(mine) > 1:
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            return reverse("choose_org") + query
        if mine:
            self.request.session[membership.SESSION_KEY] = str(mine[0].org_id)
        return next_url or resolve_url(settings.LOGIN_REDIRECT_URL)


def safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return wanted if allowed else ""


@login_required
@require_http_methods(["GET", "POST"])
def choose_org(request: HttpRequest) -> HttpResponse:
    """Pick the organization to act for; only one the person is a member of."""
    if request.method == "POST":
        membership.choose_org(request, request.POST.get("org", ""))
        return redirect(safe_next(request) or settings.LOGIN_REDIRECT_URL)
    chosen = request.session.get(membership.SESSION_KEY)
    return render(request, "web/choose_org.html", {
        "memberships": membership.memberships(request.user), "chosen": chosen,
        "next": safe_next(request)})
