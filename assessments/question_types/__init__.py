"""Question types: one class per type, each owning everything its type means.

`base.QuestionType` declares every part a type owns: its authoring block and validation, how the attempt page
shows it and reads it back from a form (draft and final), how it is graded (with partial credit), its GIFT
export and import, and its item-analysis figures. The rest of the app asks the registry (`question_type(key)`,
`question_types()`) and never switches on a type key: `grading`, `forms`, `blocks`, `gift`, `aiken` and the
item analysis only delegate.

Adding a type:

1. write one module here with a `QuestionType` subclass (set `key`, `label`, `icon`; implement every abstract
   method; override `read_draft`/`response`/`incomplete`/`draw_order`/`gift_prompt`/`gift_place`/`gift_read`/
   `distractors` where the type needs to), with its form fields in the template
   `assessments/includes/questions/<key>.html` and its answer key for the author preview in
   `assessments/includes/questions/key/<key>.html`;
2. register one instance in `registry.py` (a new GIFT syntax also gets its line in `registry.gift_reader`).

The authoring block needs no code elsewhere: `assessments.blocks` builds one StructBlock class per registered
type (a new type's block changes the StreamField definition, so it comes with a migration).

`tests/assessments/test_question_types.py` walks the registry and proves each type implements every part and
round-trips (authoring block, form, grading, GIFT).
"""

from assessments.question_types.base import QuestionType
from assessments.question_types.registry import question_type, question_types

__all__ = ["QuestionType", "question_type", "question_types"]
