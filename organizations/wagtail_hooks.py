"""Wagtail wiring: platform admins see and edit organizations (name, e-mail domain and its verification)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from organizations.models import Organization


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    add_to_admin_menu = True
    menu_order = 290
    list_display = ["name", "slug", "email_domain", "email_domain_verified"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("email_domain"), FieldPanel("email_domain_verified")]


register_snippet(OrganizationViewSet)
