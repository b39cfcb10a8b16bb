"""Issuers and their keys, achievements and pathways (badge classes), awards, status lists, revocations.

The signed credential of an award is stored as the exact JSON text that was signed and is served as
stored: it is never rebuilt from these rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from badges.ob3.did import did_web


class Issuer(models.Model):
    """The institution or company that stands behind badges; a did:web of this site."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, help_text=_("Part of the issuer's DID: keep it."))
    url = models.URLField(_("website"))
    email = models.EmailField(_("e-mail address"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linkedin_organization_id = models.CharField(
        _("LinkedIn organization id"),
        max_length=30,
        blank=True,
        help_text=_("The number in the address of the organization's LinkedIn page; used by “Add to profile”."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("url"), FieldPanel("email")]),
        FieldPanel("image"),
        FieldPanel("linkedin_organization_id"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")

    def __str__(self) -> str:
        return self.name

    @property
    def did(self) -> str:
        return did_web(settings.SITE_URL, self.slug)


class SigningKey(models.Model):
    """One Ed25519 key of an issuer. The private half is a Fernet token; public halves are kept for ever."""

    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="keys")
    fragment = models.CharField(_("key id"), max_length=20, help_text=_("The key's id in the DID document: key-N."))
    public_key = models.BinaryField(_("public key"), max_length=32)
    private_key_encrypted = models.TextField(_("private key (encrypted)"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True, help_text=_("The key that signs new credentials."))

    class Meta:
        ordering = ["issuer", "created_at", "pk"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "fragment"], name="badges_key_fragment_unique"),
            models.UniqueConstraint(fields=["issuer"], condition=Q(active=True), name="badges_key_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer.slug}#{self.fragment}"

    def __repr__(self) -> str:
        # Never the encrypted private key, not even in a traceback.
        return f"<SigningKey {self.issuer_id}#{self.fragment} active={self.active}>"

    @property
    def verification_method(self) -> str:
        return f"{self.issuer.did}#{self.fragment}"


class AchievementType(models.TextChoices):
    MICRO_CREDENTIAL = "MicroCredential", _("Micro-credential")
    CERTIFICATE = "Certificate", _("Certificate")


FRENCH = "fr"


@dataclass(frozen=True)
class BadgeText:
    """What a badge says in one language: its name, description and criteria (Markdown), and that language."""

    name: str
    description: str
    criteria: str
    language: str


class BadgeClass(models.Model):
    """What achievements and pathways share: what a badge says, whoever earns it.

    `name`, `description` and `criteria` are written in the badge's own language (`language`: its course's, else
    the site's default, English). The optional French fields give the French wording of a badge written in
    English: all three, or none. A badge whose course is French has its French text in the main fields already.
    `text(language)` picks the wording for a reader; `alternative(language)` the other language's, if there is one.
    """

    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Part of the badge's permanent URL."))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    criteria = models.TextField(_("criteria"), help_text=_("What a learner must do to earn it, in Markdown."))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = models.CharField(_("tags"), max_length=250, blank=True, help_text=_("Comma-separated."))
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Leave empty for a badge that does not expire.")
    )
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    description_fr = models.TextField(_("description in French"), blank=True)
    criteria_fr = models.TextField(
        _("criteria in French"), blank=True, help_text=_("What a learner must do to earn it, in Markdown, in French.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def language(self) -> str:
        """The language of the main fields: the course's for a course badge, else the site's default."""
        course = getattr(self, "course", None)
        language = getattr(course, "language", "") if course is not None else ""
        return str(language or settings.LANGUAGE_CODE).split("-")[0]

    @property
    def has_french(self) -> bool:
        return self.language == FRENCH or bool(self.name_fr)

    def text(self, language: str | None = None) -> BadgeText:
        """The badge's wording in `language` when it has some, else in its own language."""
        own = BadgeText(self.name, self.description, self.criteria, self.language)
        wanted = (language or "").split("-")[0]
        if wanted == FRENCH and own.language != FRENCH and self.name_fr:
            return BadgeText(self.name_fr, self.description_fr, self.criteria_fr, FRENCH)
        return own

    def alternative(self, language: str | None = None) -> BadgeText | None:
        """The wording in the other language than `text(language)`'s, when the badge has both; else None."""
        if self.language == FRENCH or not self.name_fr:
            return None
        shown = self.text(language)
        return self.text(self.language if shown.language == FRENCH else FRENCH)

    def clean(self) -> None:
        super().clean()
        french = {"name_fr": self.name_fr, "description_fr": self.description_fr, "criteria_fr": self.criteria_fr}
        given = {field for field, value in french.items() if value.strip()}
        if not given:
            return
        if self.language == FRENCH:
            raise ValidationError(
                {
                    field: _("This badge's course is in French: write its French text in the main fields.")
                    for field in given
                }
            )
        missing = set(french) - given
        if missing:
            raise ValidationError(
                {
                    field: _("Give the name, the description and the criteria in French, or none of them.")
                    for field in missing
                }
            )

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class Achievement(index.Indexed, BadgeClass):  # type: ignore[django-manager-missing]  # modelcluster
    """The badge of one course (an Open Badges "Achievement" of type MicroCredential)."""

    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="achievements")
    course = models.OneToOneField(
        "content.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="achievement",
        help_text=_("Completing this course earns the badge. Its skills become the badge's alignments."),
    )
    achievement_type = models.CharField(
        _("achievement type"), max_length=30, choices=AchievementType.choices, default=AchievementType.MICRO_CREDENTIAL
    )
    credits_available = models.DecimalField(_("credits"), max_digits=5, decimal_places=2, null=True, blank=True)

    panels = [
        FieldPanel("course"),
        FieldPanel("issuer"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        FieldPanel("criteria"),
        MultiFieldPanel(
            [FieldPanel("name_fr"), FieldPanel("description_fr"), FieldPanel("criteria_fr")],
            heading=_("In French"),
            help_text=_("Optional: the badge's wording for French-speaking learners, all three fields or none."),
        ),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("achievement_type"), FieldPanel("credits_available")]),
                FieldPanel("validity_days"),
                FieldPanel("tags"),
            ],
            heading=_("Badge facts"),
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        constraints = [
            models.CheckConstraint(
                condition=Q(credits_available__isnull=True) | Q(credits_available__gte=0),
                name="badges_achievement_credits_not_negative",
            )
        ]


class PathwayRule(models.TextChoices):
    ALL = "all", _("All of the badges")
    SOME = "some", _("A number of the badges")


class Pathway(index.Indexed, ClusterableModel, BadgeClass):  # type: ignore[django-manager-missing]  # modelcluster
    """A bigger credential earned by stacking achievements (an Open Badges "Certificate")."""

    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="pathways")
    rule = models.CharField(_("rule"), max_length=10, choices=PathwayRule.choices, default=PathwayRule.ALL)
    required_count = models.PositiveSmallIntegerField(
        _("how many"), null=True, blank=True, help_text=_("With “a number of the badges”: how many are needed.")
    )
    window_days = models.PositiveIntegerField(
        _("within (days)"),
        null=True,
        blank=True,
        help_text=_("The badges counted must all be earned within this many days. Empty: no time limit."),
    )
    ordered = models.BooleanField(
        _("in order"), default=False, help_text=_("The badges counted must be earned in the order listed.")
    )

    panels = [
        FieldPanel("issuer"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        FieldPanel("criteria"),
        MultiFieldPanel(
            [FieldPanel("name_fr"), FieldPanel("description_fr"), FieldPanel("criteria_fr")],
            heading=_("In French"),
            help_text=_("Optional: the badge's wording for French-speaking learners, all three fields or none."),
        ),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("rule"), FieldPanel("required_count")]),
                FieldRowPanel([FieldPanel("window_days"), FieldPanel("ordered")]),
            ],
            heading=_("Stacking rule"),
        ),
        InlinePanel("components", label=_("Badges"), min_num=1),
        FieldPanel("validity_days"),
        FieldPanel("tags"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        constraints = [
            models.CheckConstraint(
                condition=Q(rule=PathwayRule.ALL) | Q(required_count__gte=1), name="badges_pathway_some_needs_count"
            )
        ]

    achievement_type = AchievementType.CERTIFICATE

    @property
    def needed(self) -> int:
        total = len(self.components.all())
        if self.rule == PathwayRule.SOME and self.required_count:
            return min(self.required_count, total)
        return total


class PathwayComponent(Orderable):
    pathway = ParentalKey(Pathway, on_delete=models.CASCADE, related_name="components")
    achievement = models.ForeignKey(
        Achievement, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="pathway_components"
    )

    panels = [FieldPanel("achievement")]

    class Meta(Orderable.Meta):
        verbose_name = _("pathway badge")
        constraints = [
            models.UniqueConstraint(fields=["pathway", "achievement"], name="badges_pathway_component_unique")
        ]


class StatusList(models.Model):
    """One Bitstring status list of an issuer: the bits, and the signed list credential as served."""

    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="status_lists")
    number = models.PositiveIntegerField(_("number"))
    bits = models.BinaryField(_("bits"))
    allocated = models.PositiveIntegerField(_("indexes allocated"), default=0)
    credential_json = models.TextField(_("signed list credential"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["issuer", "number"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        constraints = [models.UniqueConstraint(fields=["issuer", "number"], name="badges_status_list_number_unique")]

    def __str__(self) -> str:
        return f"{self.issuer.slug}/{self.number}"

    @property
    def size(self) -> int:
        return len(self.bits) * 8

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/status/{self.issuer.slug}/{self.number}"


class AwardStatus(models.TextChoices):
    ISSUING = "issuing", _("Issuing")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")


class AwardQuerySet(models.QuerySet["Award"]):
    def issued(self) -> AwardQuerySet:
        return self.filter(status=AwardStatus.ISSUED)

    def in_good_standing(self, *, now: datetime | None = None) -> AwardQuerySet:
        now = now or timezone.now()
        return (
            self.issued().filter(revoked_at__isnull=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        )


class Award(models.Model):
    """One learner's badge: an achievement (course) or a pathway, at most once each."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="awards"
    )
    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    pathway = models.ForeignKey(
        Pathway, verbose_name=_("pathway"), null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    code = models.CharField(_("validation code"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.ISSUING)
    error = models.TextField(_("error"), blank=True, help_text=_("Why issuing failed, for administrators."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    grade = models.DecimalField(_("grade (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    salt = models.CharField(_("salt"), max_length=64, blank=True)
    identity_hash = models.CharField(_("identity hash"), max_length=80, blank=True)
    status_list = models.ForeignKey(
        StatusList,
        verbose_name=_("status list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    status_index = models.PositiveIntegerField(_("status list index"), null=True, blank=True)
    credential_id = models.CharField(_("credential id"), max_length=60, blank=True)
    credential_json = models.TextField(_("signed credential"), blank=True, editable=False)
    awarded_at = models.DateTimeField(_("awarded at"), default=timezone.now)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name_public = models.BooleanField(
        _("show my name"), default=False, help_text=_("Show the learner's name on the public verification page.")
    )
    notified_at = models.DateTimeField(
        _("learner e-mailed at"), null=True, blank=True, help_text=_("When the learner was e-mailed their badge.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AwardQuerySet.as_manager()

    # Awards are learner records, not content: Wagtail's usage index would add work to every issue.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-awarded_at", "-pk"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "achievement"],
                condition=Q(achievement__isnull=False),
                name="badges_award_once_per_achievement",
            ),
            models.UniqueConstraint(
                fields=["learner", "pathway"], condition=Q(pathway__isnull=False), name="badges_award_once_per_pathway"
            ),
            models.CheckConstraint(
                condition=Q(achievement__isnull=False, pathway__isnull=True)
                | Q(achievement__isnull=True, pathway__isnull=False),
                name="badges_award_achievement_xor_pathway",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"],
                condition=Q(status_list__isnull=False),
                name="badges_award_status_index_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status=AwardStatus.ISSUED) | ~Q(credential_json=""), name="badges_award_issued_is_signed"
            ),
            models.CheckConstraint(condition=Q(status__in=AwardStatus.values), name="badges_award_status_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="badges_award_status")]
        permissions = [("revoke_award", _("Can revoke any award"))]

    def __str__(self) -> str:
        return f"{self.code} ({self.badge_class})"

    @property
    def badge_class(self) -> Achievement | Pathway:
        badge = self.achievement or self.pathway
        assert badge is not None
        return badge

    @property
    def is_pathway(self) -> bool:
        return self.pathway_id is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.valid_until is not None and self.valid_until <= (now or timezone.now())

    @property
    def credential(self) -> dict[str, Any]:
        return json.loads(self.credential_json)

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/credentials/{self.code}/"


class RevocationAudit(models.Model):
    """Who revoked which award, when and why; a cascade names the award that caused it."""

    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="revocations")
    reason = models.TextField(_("reason"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), default=timezone.now)
    cascaded_from = models.ForeignKey(
        Award, verbose_name=_("because of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-revoked_at"]
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")

    def __str__(self) -> str:
        return f"{self.award_id}: {self.reason[:40]}"
