"""Settings › WhatsApp (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ponte.web.membership import member_required


@member_required(manage=True)
def whatsapp(request: HttpRequest) -> HttpResponse:
    return render(request, "web/settings_whatsapp.html", {
        "org": request.member.org, "member": request.member})
