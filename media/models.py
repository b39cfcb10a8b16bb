"""Private files: uploads that only a permission check and a short-lived link can reach."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from media.storage import private_storage


class PrivateFile(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_files")
    file = models.FileField(_("file"), storage=private_storage, upload_to="uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(_("original name"), max_length=255)
    kind = models.CharField(_("type"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("private file")
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="media_private_file_not_empty")]

    def __str__(self) -> str:
        return self.original_name
