"""Course content as Wagtail pages: Home → Catalog → Course → Module → items (lessons, quizzes, tasks)."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Collection, Page, PageViewRestriction
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from content.blocks import LessonBodyBlock
from content.translations import content_lang, language_of, locale_id_for, original_page
from lms.db import FixedQuery, fixed_query
from lms.formatting import format_person

if TYPE_CHECKING:
    from lms.http import HtmxHttpRequest

MIN_COURSE_HOURS = 6
MAX_COURSE_HOURS = 60


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


# The skill frameworks an alignment may name: how their entries' URLs are written, and the code each URL holds.
SKILL_FRAMEWORKS: dict[str, tuple[re.Pattern[str], str]] = {
    "ESCO": (
        re.compile(
            r"^http://data\.europa\.eu/esco/skill/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
        ),
        "http://data.europa.eu/esco/skill/<uuid>",
    ),
    "O*NET": (
        re.compile(r"^https://www\.onetonline\.org/link/summary/(\d{2}-\d{4}\.\d{2})$"),
        "https://www.onetonline.org/link/summary/<O*NET-SOC code>",
    ),
}


def skill_framework_check(*, framework: str, url: str, code: str) -> tuple[str, str, str]:
    """The framework's canonical name, the URL and the code of a skill's framework entry, checked against the
    framework; raises ValidationError (by field) when they do not match. ("", "", "") for a skill of no framework."""
    if not (framework or url or code):
        return "", "", ""
    names = {name.casefold(): name for name in SKILL_FRAMEWORKS} | {"onet": "O*NET", "o-net": "O*NET"}
    name = names.get(framework.strip().casefold(), "")
    if not name:
        raise ValidationError({"framework": _("Choose a framework: ESCO or O*NET.")})
    pattern, example = SKILL_FRAMEWORKS[name]
    url = url.strip()
    if name == "ESCO" and url.startswith("https://data.europa.eu/"):  # ESCO's URIs are written with http
        url = "http://" + url.removeprefix("https://")
    match = pattern.match(url)
    if match is None:
        raise ValidationError(
            {
                "framework_url": _("Give the skill's %(framework)s address: %(example)s.")
                % {"framework": name, "example": example}
            }
        )
    if code.strip() and code.strip() != match.group(1):
        raise ValidationError(
            {"code": _("The code does not match the address: it should be %(code)s.") % {"code": match.group(1)}}
        )
    return name, url, match.group(1)


class Skill(index.Indexed, models.Model):
    """A skill a course teaches; optionally tied to a framework entry such as an ESCO skill URI."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    framework = models.CharField(_("framework"), max_length=60, blank=True, help_text=_("For example ESCO."))
    framework_url = models.URLField(
        _("framework URL"), blank=True, help_text=_("The skill's URI in its framework, if it has one.")
    )
    code = models.CharField(_("code in the framework"), max_length=60, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("framework"),
        FieldPanel("framework_url"),
        FieldPanel("code"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """An alignment carries the framework's own URL and code (credentials name them): checked here, for the
        admin's form and every other ModelForm."""
        self.framework, self.framework_url, self.code = skill_framework_check(
            framework=self.framework, url=self.framework_url, code=self.code
        )


register_snippet(Skill)


class TranslatedPage(Page):
    """What every page of ours offers about its translations (content/translations.py)."""

    class Meta:
        abstract = True

    @property
    def localized(self) -> Any:
        """As Wagtail's, without reading the active locale from the database when the page is in it already."""
        locale_id = locale_id_for()
        if locale_id is None or locale_id == self.locale_id:
            return self
        return super().localized

    def get_view_restrictions(self) -> Any:
        """As Wagtail's (the restrictions of this page and its ancestors, an alias answering for its source), in one
        query instead of two: the ancestors' paths are the prefixes of this page's path. Read on every page served.

        A page that `HomePage.route` found knows its chain's pages already (`_view_restriction_sources`, each
        page's id or its alias's source): the query then names them, and composing the subquery (a tenth of a
        lesson page's cost) is skipped."""
        sources = self.__dict__.get("_view_restriction_sources")
        if sources is not None:
            return PageViewRestriction.objects.filter(page_id__in=sources)
        steplen = self.steplen
        paths = [self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        chain = Page.objects.filter(path__in=paths).annotate(source=Coalesce("alias_of_id", "id")).values("source")
        return PageViewRestriction.objects.filter(page_id__in=chain)

    def language_alternates(self, request: HttpRequest | None = None) -> dict[str, str]:
        """This page's address in each language it is live in (the language switcher, hreflang)."""
        from content.selectors import page_alternates

        return page_alternates(page=self, request=request)


# The pages above a home page, from the tree's root down to the home page itself, as `get_view_restrictions` names
# them (an alias by its source): read once per process and home page; nothing moves a site's home page.
_SOURCES_TO_HOME: dict[tuple[int, str, int | None], list[int]] = {}


def _sources_to(home: Page) -> list[int]:
    key = (home.pk, home.path, home.alias_of_id)
    sources = _SOURCES_TO_HOME.get(key)
    if sources is None:
        steplen = home.steplen
        above = [home.path[:end] for end in range(steplen, len(home.path), steplen)]
        rows = Page.objects.filter(path__in=above).values_list("alias_of_id", "id")
        sources = [alias_of or pk for alias_of, pk in rows] + [home.alias_of_id or home.pk]
        _SOURCES_TO_HOME[key] = sources
    return sources


_NO_PAGE = -1  # no page has this id: a page class's statement is composed with it, and run with the page's


@functools.cache
def _specific_query(model: type[Page]) -> FixedQuery:
    """One page of `model` by id, as Wagtail's `specific` reads it, composed by the ORM once per process and class."""
    return fixed_query(model._default_manager.filter(pk=_NO_PAGE), placeholder=_NO_PAGE)


def served_specific(page: Page) -> Any:
    """`page.specific` for a page being served, read by a prepared statement: Wagtail composes the join of the page's
    tables on every request, about 0.5 ms of every page served. As Wagtail's, the page's other attributes are copied
    to the specific object, which is kept as the page's `specific`."""
    model = page.specific_class
    if "specific" in page.__dict__ or model is None or isinstance(page, model):
        return page.specific
    found = _specific_query(model).objects(page.pk)
    if not found:
        raise model.DoesNotExist(f"No {model.__name__} {page.pk}.")  # deleted since its page row was read
    specific = found[0]
    for name, value in page.__dict__.items():
        specific.__dict__.setdefault(name, value)
    page.__dict__["specific"] = specific
    return specific


class HomePage(TranslatedPage):
    heading = models.CharField(_("heading"), max_length=200, default="")
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("heading"), FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.CatalogPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        """Find a descendant in one indexed query instead of one query per level of the tree.

        Every page from here down to the target must be live: a lesson under an unpublished module is not
        served (Wagtail's own walk only checks the last page). Paths that match no page (a routable
        page's sub-route, say) fall back to the level-by-level walk.
        """
        if not path_components:
            return super().route(request, path_components)
        prefixes = [self.url_path + "/".join(path_components[: n + 1]) + "/" for n in range(len(path_components))]
        chain = {page.url_path: page for page in Page.objects.filter(url_path__in=prefixes)}
        if len(chain) < len(prefixes):
            # A page this language's tree lacks (an item not translated yet) is served from the original's tree,
            # in the reader's language for everything around it (content/translations.py).
            original = original_page(self)
            if original.pk != self.pk:
                return original.route(request, path_components)
            return super().route(request, path_components)
        if not all(page.live for page in chain.values()):
            raise Http404
        target = served_specific(chain[prefixes[-1]])
        sources = [page.alias_of_id or page.pk for page in chain.values()]
        target.__dict__["_view_restriction_sources"] = [*_sources_to(self), *sources]
        return target.route(request, [])

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from content.selectors import featured_courses

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = featured_courses(limit=3)
        return context


class CatalogPage(TranslatedPage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("catalog")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from content.views import catalog_view

        # HtmxMiddleware has run for every request that reaches a page.
        return catalog_view(cast("HtmxHttpRequest", request), catalog=self)


PRICE_SETTER_PERMISSION = "content.change_coursepage"  # platform admins hold it; course creators do not


class CoursePageForm(WagtailAdminPageForm):
    """The course editor: only platform admins change the price (a course creator's course stays free), and
    instructors are chosen by name and address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "instructors" in self.fields:
            self.fields["instructors"].label_from_instance = format_person  # type: ignore[attr-defined]
        user = getattr(self, "for_user", None)
        if "list_price" in self.fields and not (user is not None and user.has_perm(PRICE_SETTER_PERMISSION)):
            self.fields["list_price"].disabled = True
            self.fields["list_price"].help_text = _("A platform admin sets the price.")


class CoursePage(TranslatedPage):
    summary = models.CharField(_("summary"), max_length=240, help_text=_("One or two sentences for the catalog card."))
    description = RichTextField(_("description"), features=["h3", "bold", "italic", "ol", "ul", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("Outcome"), max_length=250))],
        blank=True,
        verbose_name=_("learning outcomes"),
        help_text=_("What a learner can do after the course, one per line."),
    )
    skills = ParentalManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="courses")
    series = models.CharField(_("series"), max_length=120, blank=True, help_text=_("For example Cloud Systems."))
    estimated_hours = models.PositiveSmallIntegerField(
        _("estimated hours"),
        validators=[MinValueValidator(MIN_COURSE_HOURS), MaxValueValidator(MAX_COURSE_HOURS)],
        help_text=_("Between 6 and 60 hours of study."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    list_price = models.DecimalField(
        _("list price (CAD)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("0 means the course is free."),
    )
    financial_aid_eligible = models.BooleanField(_("eligible for financial aid"), default=False)
    prerequisites = ParentalManyToManyField(
        "content.CoursePage",
        verbose_name=_("prerequisite courses"),
        blank=True,
        symmetrical=False,
        related_name="required_by",
    )
    instructors = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructors"),
        blank=True,
        related_name="courses_taught",
        limit_choices_to={"groups__name": "Instructors"},
    )
    # Completion policy (evaluated by progress): every required item complete and the weighted grade
    # of the graded items at or above the pass mark.
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The weighted grade of the graded items a learner needs to complete the course."),
    )
    sequential = models.BooleanField(
        _("sequential modules"), default=False, help_text=_("A module opens when the previous one is complete.")
    )
    lessons_complete_at_end = models.BooleanField(
        _("complete lessons automatically"),
        default=False,
        help_text=_("A lesson completes when the learner reaches its end, without pressing the button."),
    )
    # Set up by content.services.course_setup_permissions; not edited by hand.
    instructor_group = models.OneToOneField(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="course"
    )
    collection = models.ForeignKey(
        Collection, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("hero_image"),
        FieldPanel("outcomes"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("estimated_hours"), FieldPanel("level")]),
                FieldRowPanel([FieldPanel("list_price"), FieldPanel("financial_aid_eligible")]),
                FieldPanel("series"),
            ],
            heading=_("Course facts"),
        ),
        FieldPanel("skills"),
        FieldPanel("prerequisites"),
        FieldPanel("instructors"),
        MultiFieldPanel(
            [FieldPanel("pass_mark"), FieldPanel("sequential"), FieldPanel("lessons_complete_at_end")],
            heading=_("Completion policy"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("series"),
        index.RelatedFields("skills", [index.SearchField("name")]),
        index.FilterField("level"),
        index.FilterField("language"),
        index.FilterField("estimated_hours"),
        index.FilterField("list_price"),
    ]
    parent_page_types = ["content.CatalogPage"]
    subpage_types = ["content.ModulePage"]
    base_form_class = CoursePageForm
    # A translation shares its original's instructor group and collection (content.services).
    exclude_fields_in_copy = ["instructor_group", "collection"]

    class Meta:
        verbose_name = _("course")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_hours__gte=MIN_COURSE_HOURS, estimated_hours__lte=MAX_COURSE_HOURS),
                name="content_course_hours_6_to_60",
            ),
            models.CheckConstraint(condition=models.Q(list_price__gte=0), name="content_course_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=0, pass_mark__lte=100), name="content_course_pass_mark_0_to_100"
            ),
        ]

    @property
    def is_free(self) -> bool:
        return self.list_price == 0

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        super().full_clean(*args, **kwargs)
        # The course's language is its locale's (set from the parent by Wagtail): a French translation is French.
        self.language = language_of(self)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.language = language_of(self)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        hours = self.estimated_hours
        if hours is None or not MIN_COURSE_HOURS <= hours <= MAX_COURSE_HOURS:
            raise ValidationError(
                {
                    "estimated_hours": _(
                        "A micro-course takes between %(min)d and %(max)d hours of study; %(hours)s is outside that range."
                    )
                    % {"min": MIN_COURSE_HOURS, "max": MAX_COURSE_HOURS, "hours": hours if hours is not None else "-"}
                }
            )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from content.extensions import extension_context
        from content.selectors import course_detail
        from content.views import course_page_fragments

        context = super().get_context(request, *args, **kwargs)
        course = context["course"] = original_page(self)  # what enrolment, progress and prices belong to
        context["detail"] = course_detail(course=course, request=request)
        context["course_languages"] = context["detail"].outline.languages or [language_of(self)]
        context["content_lang"] = content_lang(self)
        outline = context["detail"].outline
        context["course_fragments"] = course_page_fragments(
            request=request,
            page=self,
            course=course,
            detail=context["detail"],
            context={key: context[key] for key in ("course_languages", "content_lang")},
        )
        context.update(extension_context(request, course, context))
        # A very large course lists its modules with their counts; one module's items open on request.
        open_module = outline.module(_module_param(request)) if outline.collapses else None
        context["syllabus_collapsed"] = outline.collapses
        context["open_module"] = open_module
        context["outline_sections"] = outline.sections(
            states=context["item_states"],
            current_module_id=open_module.id if open_module else None,
            collapse_all=True,
        )
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The course page; `?module=<id>` opens one module of a large syllabus, and names only this course's."""
        from content.selectors import course_outline

        requested = request.GET.get("module")
        if requested is not None:
            module_id = _module_param(request)
            if module_id is None or course_outline(course=original_page(self)).module(module_id) is None:
                response = super().serve(request, *args, **kwargs)
                response.status_code = 404
                response.context_data["syllabus_error"] = (
                    _(  # type: ignore[attr-defined]
                        "This course has no module “%(module)s”. Its syllabus lists every module below."
                    )
                    % {"module": requested[:40]}
                )
                return response
        return super().serve(request, *args, **kwargs)


def _module_param(request: HttpRequest) -> int | None:
    """The module asked for in `?module=`, or None when absent or not a number."""
    value = request.GET.get("module", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


class ModulePage(TranslatedPage):
    summary = models.CharField(_("summary"), max_length=240, blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary")]
    parent_page_types = ["content.CoursePage"]
    subpage_types = ["content.LessonPage", "assessments.QuizPage", "assessments.TaskPage"]

    class Meta:
        verbose_name = _("module")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A module has no page of its own: its place is the course syllabus.
        from django.shortcuts import redirect

        parent = self.get_parent()
        return redirect(f"{parent.url}#module-{self.pk}")


class CourseItemPage(TranslatedPage):
    """What a learner works through in a module: a lesson, a quiz or a task. One table for the outline."""

    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=15, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    required = models.BooleanField(
        _("required for completion"), default=True, help_text=_("Untick to make this item optional.")
    )
    free_preview = models.BooleanField(
        _("free preview"), default=False, help_text=_("Visitors may open this item without enrolling.")
    )
    grade_weight = models.DecimalField(
        _("weight in the course grade"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("0 for items that are not graded; graded items count in proportion to their weight."),
    )

    is_creatable = False
    parent_page_types = ["content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("course item")
        constraints = [
            models.CheckConstraint(condition=models.Q(grade_weight__gte=0), name="content_item_weight_not_negative")
        ]

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from content.extensions import extension_context
        from content.selectors import item_navigation

        context = super().get_context(request, *args, **kwargs)
        item = context["item"] = original_page(self)  # what progress, attempts and submissions belong to
        context["content_lang"] = content_lang(self)
        nav = context["nav"] = item_navigation(item=item, request=request)
        context.update(extension_context(request, item, context))
        context["outline_sections"] = nav.outline.sections(
            states=context["item_states"], current_module_id=nav.module.id if nav.module else None
        )
        return context


class LessonPage(CourseItemPage):
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"))

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("required"), FieldPanel("free_preview")]),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
