"""The domain signals progress sends. Receivers get primitive ids or the rows in hand (re-fetch anything else).

- `course_completed`: a course was completed. Sent after the transaction commits, once (by the outbox handler
  `progress.course_completed` in the worker, in that message's transaction). Receivers get `enrolment_id`,
  `user_id` and `course_id`. The badges app subscribes and issues the award; integrations records its webhook.
- `enrolment_created`: a learner was enrolled (a new enrolment, or an unenrolled one made active again). Sent
  INSIDE the enrolment's transaction, so what a receiver records (integrations' webhook event) commits or rolls
  back with the enrolment. Receivers get `enrolment` (with `.user` and `.course` loaded); they must not fail.
"""

from django.dispatch import Signal

course_completed = Signal()
enrolment_created = Signal()
