"""The one domain signal progress sends: a course was completed. Sent after the transaction commits, once.

Receivers get `enrolment_id`, `user_id` and `course_id` (primitive ids: re-fetch what you need). The badges
app subscribes and issues the award from an idempotent Celery task.
"""

from django.dispatch import Signal

course_completed = Signal()
