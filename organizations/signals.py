"""The domain signals organizations sends, for upper apps (integrations' webhooks). Both are sent INSIDE the
transaction that changes the seat, so what a receiver records commits or rolls back with it; receivers must not
fail.

- `seat_assigned`: a member took a seat (an admin's assignment or an accepted invitation); `seat`: the Seat, with
  `bundle` (its `organization` and `course` loaded) and `user`.
- `seat_reclaimed`: a seat was taken back from `user` (an admin's reclaim, or the member left); `seat`, `user`.
"""

from django.dispatch import Signal

seat_assigned = Signal()
seat_reclaimed = Signal()
