"""Tenant scoping: every query for tenant data goes through `for_org`."""

from django.db import models


class OrgQuerySet(models.QuerySet):
    def for_org(self, org) -> "OrgQuerySet":
        return self.filter(org=org)
