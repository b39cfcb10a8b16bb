"""Baseline fixtures: a page type with a trivial template, and a plain table for the write and row baselines."""

from __future__ import annotations

from django.db import models
from wagtail.models import Page


class BenchPage(Page):
    """A Wagtail page with nothing of its own: placed at lesson depth, it is the lesson page's baseline."""

    template = "bench/bench_page.html"


class BenchRow(models.Model):
    title = models.CharField(max_length=200)
    number = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    # Named for the type checker: its settings (lms.settings.test) do not install the bench app.
    objects: models.Manager[BenchRow] = models.Manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
