"""`{% progress_bars %}`: an item page's module and course bars, the template's markup kept by what it shows."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from progress.templatetags import progress_tags


@pytest.fixture(autouse=True)
def _forget():
    progress_tags._BARS.clear()


def included(module, learner, oob=False):
    """What the footer rendered before the tag: the template included with the page's context."""
    return render_to_string(progress_tags.PROGRESS_BARS_TEMPLATE, {"nav": {"module": module}, "learner": learner, "oob": oob})


def tagged(module, learner, oob=False):
    template = Template("{% load progress_tags %}{% progress_bars module learner oob %}")
    return template.render(Context({"module": module, "learner": learner, "oob": oob}))


MODULE = SimpleNamespace(id=7)


@pytest.mark.parametrize(
    ("module", "module_percent", "course_percent", "oob"),
    [
        (MODULE, Decimal("50"), Decimal("12.5"), False),
        (MODULE, Decimal("50.0"), 12, True),
        (MODULE, None, 0, False),
        (None, None, Decimal("100"), False),
    ],
)
def test_the_tag_shows_what_the_template_shows(module, module_percent, course_percent, oob):
    learner = SimpleNamespace(module_percent={7: module_percent, 8: Decimal("99")}, course_percent=course_percent)
    for language in ("en", "fr"):
        with translation.override(language):
            assert tagged(module, learner, oob) == included(module, learner, oob)
            assert tagged(module, learner, oob) == included(module, learner, oob)  # kept: the same markup again


def test_a_learner_s_new_percent_or_language_is_never_another_s_kept_markup():
    first = SimpleNamespace(module_percent={7: Decimal("40")}, course_percent=Decimal("10"))
    further = SimpleNamespace(module_percent={7: Decimal("60")}, course_percent=Decimal("10"))
    assert "60%" in tagged(MODULE, further) and "60%" not in tagged(MODULE, first)
    with translation.override("fr"):
        assert "40 %" in tagged(MODULE, first).replace("\u202f", " ").replace("\xa0", " ")
    assert 'hx-swap-oob="true"' in tagged(MODULE, first, oob=True)
    assert 'hx-swap-oob="true"' not in tagged(MODULE, first)
