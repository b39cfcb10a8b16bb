"""Rubric blocks of a graded task: criteria, each with levels worth points."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError


class RubricLevelBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Level"), max_length=200)
    points = blocks.DecimalBlock(label=_("Points"), min_value=0, max_digits=6, decimal_places=2)
    description = blocks.TextBlock(label=_("Description"), required=False)


class RubricCriterionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Criterion"), max_length=200)
    description = blocks.TextBlock(label=_("Description"), required=False)
    levels = blocks.ListBlock(RubricLevelBlock(), label=_("Levels"), min_num=2)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        labels = [level["label"].strip().casefold() for level in cleaned["levels"]]
        if len(set(labels)) != len(labels):
            raise StructBlockValidationError(
                block_errors={"levels": ValidationError(_("Two levels of a criterion share a name."))}
            )
        return cleaned

    class Meta:
        label = _("Criterion")
        icon = "list-ul"
