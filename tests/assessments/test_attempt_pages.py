"""The learner's quiz pages: no answer key before submitting, autosave, the plain form, resume, result."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessments.demo import seed_assessments
from assessments.models import Attempt, AttemptState, FeedbackMode, QuizPage
from assessments.services import attempt_questions, attempt_start, questions_for_revision, response_save
from content.demo import DemoCatalog, course_seed, load_course_data, site_ensure
from lms.demo import users_seed
from tests.assessments.factories import every_type, learner_in, make_quiz, single_choice

pytestmark = pytest.mark.django_db


def one_demo_course() -> DemoCatalog:
    """The demo catalog cut to one course (seeding all four is slow): its modules carry real quizzes."""
    home, catalog = site_ensure()
    spec = load_course_data()["linux-for-the-cloud"]
    course = course_seed(catalog=catalog, spec=spec, instructors=users_seed())
    return DemoCatalog(home=home, catalog=catalog, courses={spec["slug"]: course}, data={spec["slug"]: spec})


class _Visible(HTMLParser):
    """Every text node and attribute value of a page: what a browser, a script or a scraper can read."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.chunks += [value for _name, value in attrs if value]

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def readable(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.chunks)


def answer_key_texts(question: dict) -> list[str]:
    """Texts that only the answer key holds: feedback, explanations, accepted answers, numeric answers."""
    texts = [question.get("explanation") or ""]
    qtype = question["type"]
    if qtype in ("single_choice", "multiple_response"):
        texts += [c.get("feedback") or "" for c in question["choices"]]
    elif qtype == "true_false":
        texts += [question.get("feedback_true") or "", question.get("feedback_false") or ""]
    elif qtype == "numeric":
        texts.append(question["answer"])
    elif qtype == "short_answer":
        texts += list(question["accepted"])
    elif qtype == "fill_blanks":
        texts += [a for b in question["blanks"] for a in b["accepted"]]
    return [t for t in texts if t.strip()]


def shown_texts(question: dict) -> str:
    """What the learner is meant to see: a secret that also appears here (an accepted answer "sort" in a
    pipeline that shows `sort` elsewhere) cannot be told apart, so it is not counted as a leak."""
    parts = [question.get("prompt") or "", re.sub(r"\[\[[^\]]*\]\]", " ", question.get("text") or "")]
    parts += [c["text"] for c in question.get("choices", [])]
    parts += [p["left"] + " " + p["right"] for p in question.get("pairs", [])]
    parts += [i["text"] for i in question.get("items", [])]
    return " ".join(parts)


def key_only_texts(question: dict) -> list[str]:
    shown = shown_texts(question)
    return [s for s in answer_key_texts(question) if not leaks(shown, s)]


def leaks(page: str, secret: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(secret)}(?![\w])", page) is not None


def open_attempt_page(client, quiz: QuizPage):
    learner = learner_in(quiz)
    client.force_login(learner)
    client.post(reverse("assessments:start", args=[quiz.pk]))
    attempt = Attempt.objects.get(learner=learner, quiz=quiz)
    return attempt, client.get(reverse("assessments:attempt", args=[attempt.pk]))


def test_no_answer_of_a_seeded_quiz_reaches_the_attempt_page(client):
    demo = one_demo_course()
    quizzes, _tasks = seed_assessments(demo=demo)
    quiz = QuizPage.objects.get(pk=quizzes[0].pk)
    attempt, response = open_attempt_page(client, quiz)
    page = readable(response.content.decode())
    secrets = [s for q in attempt_questions(attempt) for s in key_only_texts(q)]

    assert len(secrets) > 10
    assert [s for s in secrets if leaks(page, s)] == []
    assert "correct" not in response.content.decode().lower()


def test_no_answer_of_any_question_type_reaches_the_attempt_page(client):
    quiz = make_quiz(questions=every_type())
    attempt, response = open_attempt_page(client, quiz)
    html = response.content.decode()
    page = readable(html)

    for question in attempt_questions(attempt):
        for secret in key_only_texts(question):
            assert not leaks(page, secret), secret
    # Ids that would give an order or a pairing away never appear as names or values.
    for identifier in ("i1", "i2", "i3", "p1", "p2", "p3"):
        assert not re.search(rf'(name|value|id)="[^"]*\b{identifier}\b', html), identifier


def test_the_quiz_page_and_search_index_hold_no_answers(client):
    quiz = make_quiz(questions=every_type())
    learner = learner_in(quiz)
    client.force_login(learner)

    page = readable(client.get(quiz.url).content.decode())

    assert "secret-feedback-mr-a" not in page
    assert [f.field_name for f in QuizPage.get_search_fields() if f.field_name == "questions"] == []


def test_an_htmx_autosave_saves_one_answer_and_says_so(client):
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    attempt, _page = open_attempt_page(client, quiz)
    key = attempt.question_keys[0]
    shown = attempt.choice_order[key].index("a")

    response = client.post(
        reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}": str(shown)}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert dict(attempt.responses.values_list("key", "value")) == {key: "a"}


def test_a_reload_shows_every_saved_answer(client):
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    attempt, _page = open_attempt_page(client, quiz)
    key = attempt.question_keys[1]
    response_save(attempt=attempt, user=attempt.learner, key=key, raw="c")
    shown = attempt.choice_order[key].index("c")

    html = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()

    assert re.search(rf'name="q-{key}" value="{shown}" checked', html)
    assert html.count(" checked") == 1


def test_the_plain_form_saves_and_submits_without_javascript(client):
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    attempt, _page = open_attempt_page(client, quiz)
    first, second = attempt.question_keys
    data = {
        f"q-{first}": str(attempt.choice_order[first].index("a")),
        f"q-{second}": str(attempt.choice_order[second].index("b")),
        "action": "submit",
    }

    response = client.post(reverse("assessments:answers", args=[attempt.pk]), data)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (AttemptState.GRADED, Decimal("50.00"))
    result = client.get(response["Location"]).content.decode()
    assert "Score: 50%" in result
    assert "Not passed" in result


@pytest.mark.parametrize(
    "value",
    ["99", "-1", "abc", "x" * 200_000, "1.5"],
    ids=["unknown index", "negative", "text", "huge", "fraction"],
)
def test_a_malformed_answer_is_a_400_with_a_message(client, value):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)
    key = attempt.question_keys[0]

    response = client.post(reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}": value})

    assert response.status_code == 400
    assert response.content.decode().strip()
    assert not attempt.responses.exists()


def test_an_answer_for_a_question_outside_the_attempt_is_a_400(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)

    response = client.post(reverse("assessments:save", args=[attempt.pk]), {"key": "nope", "q-nope": "0"})

    assert response.status_code == 400


def test_a_malformed_plain_form_is_a_400_that_shows_the_form_again(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    ordering = next(q for q in attempt_questions(attempt) if q["type"] == "ordering")
    data = {f"q-{ordering['key']}-0": "1", f"q-{ordering['key']}-1": "1", "action": "submit"}

    response = client.post(reverse("assessments:answers", args=[attempt.pk]), data)

    assert response.status_code == 400
    assert "different position" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN


def test_someone_elses_attempt_is_not_found(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)
    client.force_login(learner_in(quiz))

    assert client.get(reverse("assessments:attempt", args=[attempt.pk])).status_code == 404


def test_the_result_hides_feedback_until_passing_when_the_quiz_says_so(client):
    quiz = make_quiz(feedback_mode=FeedbackMode.AFTER_PASSING)
    attempt, _page = open_attempt_page(client, quiz)

    response = client.post(reverse("assessments:submit", args=[attempt.pk]))
    html = client.get(response["Location"]).content.decode()

    assert "explanation 1" not in html
    assert "once you pass" in html


def test_the_attempt_page_shows_the_time_left_from_the_server(client):
    quiz = make_quiz(time_limit_minutes=20)
    _attempt, response = open_attempt_page(client, quiz)

    html = response.content.decode()
    assert 'class="quiz-countdown"' in html
    assert re.search(r">(19:5\d|20:00)</time>", html)


def test_an_attempt_page_opened_after_the_deadline_shows_the_result(client):
    quiz = make_quiz(time_limit_minutes=1)
    learner = learner_in(quiz)
    from datetime import timedelta

    from django.utils import timezone

    attempt = attempt_start(quiz=quiz, user=learner, now=timezone.now() - timedelta(minutes=5))
    client.force_login(learner)

    response = client.get(reverse("assessments:attempt", args=[attempt.pk]))

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED


def test_every_seeded_question_is_valid():
    demo = one_demo_course()
    quizzes, tasks = seed_assessments(demo=demo)

    assert len(quizzes) >= len(demo.courses) and len(tasks) == len(demo.courses)
    for quiz in quizzes:
        bank, _layout = questions_for_revision(QuizPage.objects.get(pk=quiz.pk).live_revision)
        assert bank


def test_seeding_assessments_twice_changes_nothing():
    demo = one_demo_course()
    first = seed_assessments(demo=demo)

    second = seed_assessments(demo=demo)

    assert [p.pk for p in first[0]] == [p.pk for p in second[0]]
    assert QuizPage.objects.count() == len(first[0])


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    quiz = make_quiz()
    attempt = attempt_start(quiz=quiz, user=learner_in(quiz))

    response = client.get(reverse("assessments:attempt", args=[attempt.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_submitting_someone_elses_attempt_is_not_found_and_leaves_it_open(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)
    client.force_login(learner_in(quiz))

    response = client.post(reverse("assessments:submit", args=[attempt.pk]))

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN


def test_submitting_an_attempt_that_does_not_exist_is_not_found(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)

    response = client.post(reverse("assessments:submit", args=[attempt.pk + 1000]))

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN


def test_submitting_twice_grades_once_and_both_answers_show_the_result(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)

    first = client.post(reverse("assessments:submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    submitted_at = attempt.submitted_at
    second = client.post(reverse("assessments:submit", args=[attempt.pk]))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("assessments:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.submitted_at == submitted_at


def test_submitting_after_the_deadline_closes_the_attempt_at_the_deadline(client):
    from datetime import timedelta

    from django.utils import timezone

    quiz = make_quiz(time_limit_minutes=1)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner, now=timezone.now() - timedelta(minutes=5))
    client.force_login(learner)

    response = client.post(reverse("assessments:submit", args=[attempt.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.submitted_at == attempt.deadline


# --- drafts: a partial answer of any type is saved as it is; completeness is checked at submit ---------------


def _question(attempt: Attempt, qtype: str) -> dict:
    return next(q for q in attempt_questions(attempt) if q["type"] == qtype)


def _shown(attempt: Attempt, key: str, item_id: str) -> str:
    return str(attempt.choice_order[key].index(item_id))


def _partial_answers(attempt: Attempt) -> dict[str, tuple[dict[str, str], object]]:
    """For each question type: the fields of a partial (or first) answer, and the draft saved from them."""
    q = {t: _question(attempt, t)["key"] for t in ("single_choice", "multiple_response", "true_false", "numeric")}
    q |= {t: _question(attempt, t)["key"] for t in ("short_answer", "fill_blanks", "matching", "ordering")}
    ordering = q["ordering"]
    first_item = attempt.choice_order[ordering][0]
    return {
        "single_choice": ({f"q-{q['single_choice']}": _shown(attempt, q["single_choice"], "b")}, "b"),
        "multiple_response": (
            {f"q-{q['multiple_response']}": _shown(attempt, q["multiple_response"], "a")},
            ["a"],
        ),
        "true_false": ({f"q-{q['true_false']}": "true"}, True),
        "numeric": ({f"q-{q['numeric']}": "90"}, "90"),
        "short_answer": ({f"q-{q['short_answer']}": "kube"}, "kube"),
        "fill_blanks": ({f"q-{q['fill_blanks']}-b1": "etc"}, {"b1": "etc", "b2": ""}),
        "matching": ({f"q-{q['matching']}-0": _shown(attempt, q["matching"], "p2")}, {"p1": "p2"}),
        "ordering": ({f"q-{ordering}-0": "1"}, {first_item: 1}),
    }


@pytest.mark.parametrize(
    "qtype",
    [
        "single_choice",
        "multiple_response",
        "true_false",
        "numeric",
        "short_answer",
        "fill_blanks",
        "matching",
        "ordering",
    ],
)
def test_an_autosave_of_a_partial_answer_of_each_type_is_saved_as_a_draft(client, qtype):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    fields, draft = _partial_answers(attempt)[qtype]
    key = _question(attempt, qtype)["key"]

    response = client.post(
        reverse("assessments:save", args=[attempt.pk]), {"key": key, **fields}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert attempt.responses.get(key=key).value == draft


def test_an_autosave_of_a_half_written_essay_is_saved_as_a_draft(client):
    essay = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 50}
    quiz = make_quiz(questions=[essay])
    attempt, _page = open_attempt_page(client, quiz)
    key = attempt.question_keys[0]

    response = client.post(
        reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}": "It rewrites"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert attempt.responses.get(key=key).value == "It rewrites"


def test_an_ordering_with_two_items_in_one_position_is_saved_as_a_draft(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    shown_first, shown_second = attempt.choice_order[key][:2]

    response = client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"key": key, f"q-{key}-0": "2", f"q-{key}-1": "2"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert attempt.responses.get(key=key).value == {shown_first: 2, shown_second: 2}


def test_a_reload_shows_the_positions_of_a_draft_ordering(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    client.post(reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}-1": "3"})

    html = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()

    select = re.search(rf'<select id="q-{key}-1".*?</select>', html, re.S)
    assert select is not None
    assert '<option value="3" selected>' in select.group(0)


def test_submitting_an_incomplete_ordering_shows_the_message_on_that_question_and_keeps_every_answer(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    numeric = _question(attempt, "numeric")["key"]
    data = {f"q-{key}-0": "1", f"q-{numeric}": "64", "action": "submit"}

    response = client.post(reverse("assessments:answers", args=[attempt.pk]), data)

    assert response.status_code == 400
    html = response.content.decode()
    question = re.search(rf'<fieldset[^>]*id="question-{key}".*?</fieldset>', html, re.S)
    assert question is not None
    assert "Give every item a position." in question.group(0)
    assert f'aria-describedby="problem-{key}"' in question.group(0)
    assert html.count("Give every item a position.") == 1
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN
    saved = dict(attempt.responses.values_list("key", "value"))
    assert saved[numeric] == "64"
    assert saved[key] == {attempt.choice_order[key][0]: 1}


def test_the_submit_button_refuses_an_incomplete_draft_with_the_message_on_its_question(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    client.post(reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}-0": "2", f"q-{key}-1": "2"})

    response = client.post(reverse("assessments:submit", args=[attempt.pk]))

    assert response.status_code == 400
    question = re.search(rf'id="question-{key}".*?</fieldset>', response.content.decode(), re.S)
    assert question is not None
    assert "Give each item a different position." in question.group(0)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN


def test_a_complete_ordering_submits_and_is_graded(client):
    quiz = make_quiz(questions=every_type())
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    order = attempt.choice_order[key]
    correct = ["i1", "i2", "i3"]
    data = {f"q-{key}-{n}": str(correct.index(item) + 1) for n, item in enumerate(order)} | {"action": "submit"}

    response = client.post(reverse("assessments:answers", args=[attempt.pk]), data)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.results[key]["correct"] is True


def test_an_attempt_closed_at_its_deadline_grades_a_draft_ordering_as_it_stands(client):
    quiz = make_quiz(questions=every_type(), time_limit_minutes=5)
    attempt, _page = open_attempt_page(client, quiz)
    key = _question(attempt, "ordering")["key"]
    response_save(attempt=attempt, user=attempt.learner, key=key, raw={"i1": 1, "i3": 1})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.started_at)

    client.get(reverse("assessments:attempt", args=[attempt.pk]))

    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.results[key]["score"] == "0.00"  # two items share position 1, so neither holds it


def test_a_refused_autosave_answers_only_its_status_line(client):
    quiz = make_quiz()
    attempt, _page = open_attempt_page(client, quiz)
    key = attempt.question_keys[0]

    response = client.post(
        reverse("assessments:save", args=[attempt.pk]), {"key": key, f"q-{key}": "99"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "That choice is not one of the options." in body
    assert "<html" not in body and "<form" not in body and "<fieldset" not in body


def test_the_attempt_page_keeps_a_live_status_line_for_each_question(client):
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    attempt, response = open_attempt_page(client, quiz)
    html = response.content.decode()

    for key in attempt.question_keys:
        assert f'id="status-{key}" role="status" aria-live="polite"' in html
        assert f'hx-target="#status-{key}"' in html
    assert "data-not-saved=" in html


def test_typed_answers_are_saved_as_the_learner_types(client):
    quiz = make_quiz(questions=every_type())
    _attempt, response = open_attempt_page(client, quiz)

    assert response.content.decode().count('hx-trigger="change, autosave"') == len(every_type())
