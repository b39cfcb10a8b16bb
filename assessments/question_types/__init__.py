"""Question types: one class per type, each owning everything its type means.

`base.QuestionType` declares every part a type owns: its authoring block and validation, how the attempt page
shows it and reads it back from a form (draft and final), how it is graded (with partial credit), its GIFT
export and import, and its item-analysis figures. The rest of the app asks the registry (`question_type(key)`,
`question_types()`) and never switches on a type key: `grading`, `forms`, `blocks`, `gift`, `aiken` and the
item analysis only delegate.

Adding a type:

1. write one module here with a `QuestionType` subclass (set `key`, `label`, `icon`; implement every abstract
   method; override `read_draft`/`incomplete`/`draw_order`/`gift_read`/`distractors` where the type needs to),
   and its form fields in the template `assessments/includes/questions/<key>.html`;
2. register one instance in `registry.py`.

`tests/assessments/test_question_types.py` walks the registry and proves each type implements every part and
round-trips (authoring block, form, grading, GIFT).
"""

from assessments.question_types.base import QuestionType
from assessments.question_types.registry import question_type, question_types

__all__ = ["QuestionType", "question_type", "question_types"]
