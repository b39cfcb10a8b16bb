"""Admin wiring (snippets, revoke/rotate/retry views) and the badge panel on course pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from badges import services
from badges.models import Achievement, Award, Issuer, Pathway
from content.extensions import HOOK as PAGE_CONTEXT_HOOK
from content.models import CoursePage
from lms.http import signed_in_user
from lms.models import User

# --- permissions ---------------------------------------------------------------------------------------


class AchievementPermissionPolicy(ModelPermissionPolicy):
    """Badge admins edit every achievement; an instructor only those of the courses they teach."""

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if services.user_is_badge_admin(user):
            return True
        return instance.course is not None and instance.course.instructors.filter(pk=user.pk).exists()

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        queryset = super().instances_user_has_permission_for(user, action)
        if services.user_is_badge_admin(user):
            return queryset
        return queryset.filter(course__instructors=user)


class AwardPermissionPolicy(ModelPermissionPolicy):
    """Awards are never added, edited or deleted by hand: they are issued, and revoked with a reason."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"add", "change", "delete", "lock", "unlock", "publish"}:
            return False
        return services.user_is_badge_admin(user) or bool(user.is_active and user.courses_taught.exists())

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)


class InstancePermissionMixin:
    """Wagtail's generic edit and delete views check the model permission; these also check the instance."""

    instance_permission = "change"
    permission_policy: ModelPermissionPolicy  # the view's, as Wagtail's generic views have them
    request: HttpRequest

    def get_object(self, queryset: QuerySet | None = None) -> Any:
        instance = super().get_object(queryset)  # type: ignore[misc]
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.instance_permission, instance
        ):
            raise PermissionDenied
        return instance


class AchievementEditView(InstancePermissionMixin, snippet_views.EditView):
    instance_permission = "change"


class AchievementDeleteView(InstancePermissionMixin, snippet_views.DeleteView):
    instance_permission = "delete"


class IssuerViewSet(SnippetViewSet):
    model = Issuer
    icon = "site"
    list_display = ["name", "slug", "did"]
    copy_view_enabled = False


class AchievementViewSet(SnippetViewSet):
    model = Achievement
    icon = "tick-inverse"
    list_display = ["name", "course", "issuer", "achievement_type"]
    search_fields = ["name"]
    edit_view_class = AchievementEditView
    delete_view_class = AchievementDeleteView

    @property
    def permission_policy(self) -> ModelPermissionPolicy:
        return AchievementPermissionPolicy(self.model)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return AchievementPermissionPolicy(Achievement).instances_user_has_permission_for(request.user, "change")


class PathwayViewSet(SnippetViewSet):
    model = Pathway
    icon = "list-ul"
    list_display = ["name", "rule", "issuer"]


class AwardViewSet(SnippetViewSet):
    model = Award
    icon = "success"
    list_display = ["code", "learner", "badge_class", "status", "error", "awarded_at", "revoked_at"]
    list_filter = ["status"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "code",
        "learner",
        "achievement",
        "pathway",
        "status",
        "error",
        "attempts",
        "awarded_at",
        "valid_until",
        "revoked_at",
        "revocation_reason",
        "revoked_by",
    ]
    copy_view_enabled = False

    @property
    def permission_policy(self) -> ModelPermissionPolicy:
        return AwardPermissionPolicy(self.model)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        awards = Award.objects.select_related("learner", "achievement", "pathway")
        if services.user_is_badge_admin(signed_in_user(request)):
            return awards
        return awards.filter(achievement__course__instructors=signed_in_user(request))


class BadgesGroup(SnippetViewSetGroup):
    items = (AwardViewSet, AchievementViewSet, PathwayViewSet, IssuerViewSet)
    menu_icon = "success"
    menu_label = gettext_lazy("Badges")
    menu_name = "badges"


register_snippet(BadgesGroup)


# --- admin actions: revoke, retry, rotate a key ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def revoke_view(request: HttpRequest, award_id: int) -> HttpResponse:
    award = get_object_or_404(Award.objects.select_related("learner", "achievement", "pathway"), pk=award_id)
    if not services.user_can_revoke(user=signed_in_user(request), award=award):
        raise PermissionDenied
    dependents = services.award_dependents(award=award)
    error = ""
    if request.method == "POST":
        try:
            revoked = services.award_revoke(
                award=award,
                user=signed_in_user(request),
                reason=request.POST.get("reason", ""),
                cascade=request.POST.get("cascade") == "1",
            )
        except services.BadgeError as failure:
            error = str(failure)
        else:
            messages.success(request, _("%(count)d credential(s) revoked.") % {"count": len(revoked)})
            return redirect(reverse("wagtailsnippets_badges_award:list"))
    return TemplateResponse(
        request,
        "badges/admin/revoke.html",
        {"award": award, "dependents": dependents, "error": error, "reason": request.POST.get("reason", "")},
    )


@require_http_methods(["GET", "POST"])
def retry_view(request: HttpRequest, award_id: int) -> HttpResponse:
    award = get_object_or_404(Award, pk=award_id)
    if not services.user_is_badge_admin(signed_in_user(request)):
        raise PermissionDenied
    if request.method == "GET":
        return TemplateResponse(request, "badges/admin/retry.html", {"award": award})
    try:
        services.award_retry(award=award, user=signed_in_user(request))
    except PermissionDenied:
        raise
    except Exception as failure:  # noqa: BLE001 - shown to the admin; the award keeps the error too
        messages.error(request, _("Issuing failed again: %(error)s") % {"error": failure})
    else:
        messages.success(request, _("The credential was issued."))
    return redirect(reverse("wagtailsnippets_badges_award:list"))


@require_http_methods(["GET", "POST"])
def issue_view(request: HttpRequest, achievement_id: int) -> HttpResponse:
    """Issue a badge to the learners who completed its course and do not hold it: counts, then a confirmation."""
    from badges.selectors import achievement_issue_summary

    achievement = get_object_or_404(Achievement.objects.select_related("issuer", "course"), pk=achievement_id)
    if not services.user_can_issue(user=signed_in_user(request), achievement=achievement):
        raise PermissionDenied
    error, status = "", 200
    if request.method == "POST":
        try:
            queued = services.achievement_awards_issue(achievement=achievement, user=signed_in_user(request))
        except services.BadgeError as failure:
            error, status = str(failure), 409
        else:
            if queued:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d badge is being issued; it appears below when it is signed.",
                        "%(count)d badges are being issued; they appear below as they are signed.",
                        queued,
                    )
                    % {"count": queued},
                )
            else:
                messages.info(request, _("Every learner who completed the course already holds this badge."))
            return redirect(reverse("wagtailsnippets_badges_award:list"))
    return TemplateResponse(
        request,
        "badges/admin/issue.html",
        {"achievement": achievement, "summary": achievement_issue_summary(achievement=achievement), "error": error},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rotate_key_view(request: HttpRequest, issuer_id: int) -> HttpResponse:
    issuer = get_object_or_404(Issuer, pk=issuer_id)
    if not services.user_is_badge_admin(signed_in_user(request)):
        raise PermissionDenied
    if request.method == "POST":
        key = services.issuer_key_rotate(issuer=issuer, user=signed_in_user(request))
        messages.success(
            request,
            _("%(issuer)s now signs with %(key)s; its older keys stay published.")
            % {"issuer": issuer.name, "key": key.fragment},
        )
        return redirect(reverse("wagtailsnippets_badges_issuer:list"))
    return TemplateResponse(
        request, "badges/admin/rotate_key.html", {"issuer": issuer, "keys": list(issuer.keys.order_by("created_at"))}
    )


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    return [
        path("badges/awards/<int:award_id>/revoke/", revoke_view, name="badges_award_revoke"),
        path("badges/awards/<int:award_id>/retry/", retry_view, name="badges_award_retry"),
        path("badges/issuers/<int:issuer_id>/rotate-key/", rotate_key_view, name="badges_issuer_rotate_key"),
        path("badges/achievements/<int:achievement_id>/issue/", issue_view, name="badges_achievement_issue"),
    ]


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def pathway_saved(request: HttpRequest, instance: Any) -> None:
    """A pathway created, or its rule or badges changed: issue it to the learners who already qualify (the worker
    does, in batches)."""
    if isinstance(instance, Pathway):
        count = services.pathway_evaluate_all(pathway=instance, user=signed_in_user(request))
        if count:
            messages.info(
                request,
                ngettext(
                    "%(count)d learner holding its badges is being checked for this pathway.",
                    "%(count)d learners holding its badges are being checked for this pathway.",
                    count,
                )
                % {"count": count},
            )


@hooks.register("register_snippet_listing_buttons")
def badge_listing_buttons(snippet: Any, user: Any, next_url: str | None = None) -> list[Button]:
    if isinstance(snippet, Award):
        buttons = []
        if (
            snippet.status == "issued"
            and snippet.revoked_at is None
            and services.user_can_revoke(user=user, award=snippet)
        ):
            buttons.append(Button(_("Revoke"), reverse("badges_award_revoke", args=[snippet.pk]), icon_name="cross"))
        if snippet.status == "failed" and services.user_is_badge_admin(user):
            buttons.append(Button(_("Retry"), reverse("badges_award_retry", args=[snippet.pk]), icon_name="repeat"))
        return buttons
    if (
        isinstance(snippet, Achievement)
        and snippet.course_id
        and services.user_can_issue(user=user, achievement=snippet)
    ):
        url = reverse("badges_achievement_issue", args=[snippet.pk])
        return [Button(_("Issue to completers"), url, icon_name="success")]
    if isinstance(snippet, Issuer) and services.user_is_badge_admin(user):
        return [Button(_("Rotate key"), reverse("badges_issuer_rotate_key", args=[snippet.pk]), icon_name="key")]
    return []


# --- the course page -----------------------------------------------------------------------------------------


@hooks.register(PAGE_CONTEXT_HOOK)
def course_badge_context(request: HttpRequest, page: Page, context: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(page, CoursePage) or not request.user.is_authenticated:
        return {}
    learner = context.get("learner")  # progress's hook runs first: no query for a course not completed
    if learner is not None and (learner.enrolment is None or learner.enrolment.completed_at is None):
        return {}
    from badges.selectors import course_badge_for

    badge = course_badge_for(user=request.user, course_id=page.pk)  # type: ignore[arg-type]
    if badge is None or badge.state == "not_earned":
        return {}
    return {
        "course_aside_templates": ["badges/includes/course_badge.html"],
        "course_badge": badge,
        "course_id": page.pk,
    }


@hooks.register("stackable_dashboard_context")
def dashboard_badges(request: HttpRequest) -> dict[str, Any]:
    """The badges section of the learner dashboard: earned badges and pathway progress."""
    from badges.selectors import wallet_for_learner

    if not isinstance(request.user, User):  # the dashboard is for signed-in learners only
        return {}
    return {
        "dashboard_templates": ["badges/includes/dashboard_badges.html"],
        "wallet": wallet_for_learner(user=request.user, with_issuers=False),
    }


@hooks.register("stackable_org_dashboard_context")
def org_dashboard_badges(request: HttpRequest, *, organization: Any, staff: QuerySet) -> dict[str, Any]:
    """The organization dashboard's badges section: the badges its staff earned, with their verification links.
    organizations offers the hook with its staff's user ids; it never imports badges, nor badges it."""
    from badges.selectors import staff_awards

    awards, total = staff_awards(staff=staff)
    return {
        "org_dashboard_templates": ["badges/includes/org_dashboard_badges.html"],
        "staff_awards": awards,
        "staff_awards_total": total,
    }
