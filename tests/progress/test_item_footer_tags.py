"""`{% progress_bars %}` and `{% complete_button %}`: an item page's bars and lesson button, the templates' markup
kept by what it shows."""

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
    progress_tags._BUTTONS.clear()


def included(module, learner, oob=False):
    """What the footer rendered before the tag: the template included with the page's context."""
    return render_to_string(
        progress_tags.PROGRESS_BARS_TEMPLATE, {"nav": {"module": module}, "learner": learner, "oob": oob}
    )


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


def button_included(context):
    return render_to_string(progress_tags.COMPLETE_BUTTON_TEMPLATE, context)


def button_tagged(context):
    return Template("{% load progress_tags %}{% complete_button %}").render(Context(context))


@pytest.mark.parametrize("state", [None, "in_progress", "complete"])
@pytest.mark.parametrize("just_completed", [False, True])
@pytest.mark.parametrize("at_end", [False, True])
def test_the_complete_button_shows_what_its_template_shows_with_the_request_s_token(state, just_completed, at_end):
    item = SimpleNamespace(pk=41)
    learner = SimpleNamespace(states={41: {"state": state, "label": "x"}} if state else {})
    nav = SimpleNamespace(course=SimpleNamespace(lessons_complete_at_end=at_end))
    for token in ("firstLearnerTokenAbc", "secondLearnerTokenXyz"):  # the second is built from the kept markup
        context = {"item": item, "learner": learner, "nav": nav, "just_completed": just_completed, "csrf_token": token}
        for language in ("en", "fr"):
            with translation.override(language):
                assert button_tagged(context) == button_included(context)
    if state != "complete":
        assert "secondLearnerTokenXyz" in button_tagged(context) and "firstLearnerTokenAbc" not in button_tagged(
            context
        )


def test_without_a_token_the_button_is_rendered_as_the_include_renders_it_and_not_kept():
    context = {"item": SimpleNamespace(pk=41), "learner": SimpleNamespace(states={}), "nav": None}
    assert button_tagged(context) == button_included(context)
    assert not progress_tags._BUTTONS._entries
