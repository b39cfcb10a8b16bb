"""The refusals of assessments' services: each carries a `message` the learner or instructor can act on."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import ngettext


class AssessmentError(Exception):
    """A refusal the learner or instructor can act on; `message` is for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttemptRefused(AssessmentError):
    """No new attempt now: the limit is reached or the cooldown runs; `wait` is the time left, if any."""

    def __init__(self, message: str, *, wait: timedelta | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class AttemptClosed(AssessmentError):
    """The attempt is no longer open: submitted, or closed at its deadline."""


class AnswerLocked(AssessmentError):
    """The learner checked this answer and saw its key (immediate feedback): it can no longer change."""


class CheckRefused(AssessmentError):
    """An answer that cannot be checked: the quiz gives no immediate feedback, it is blank, or graded by hand."""


class SubmissionRefused(AssessmentError):
    pass


class IncompleteAnswers(AssessmentError):
    """A submit refused because saved answers are not whole yet; `problems` maps each question key to why.
    Nothing is lost: the drafts stay saved and the attempt stays open."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(
            ngettext(
                "One answer is not complete yet: see the question marked below.",
                "%(n)d answers are not complete yet: see the questions marked below.",
                len(problems),
            )
            % {"n": len(problems)}
        )
        self.problems = problems


class ImportRefused(AssessmentError):
    """A question import that cannot go on: no questions in the file, or a preview that is stale or not yours."""
