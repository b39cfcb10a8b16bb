"""The domain signals badges sends, for upper apps (integrations' webhooks). Both are sent INSIDE the transaction
that stores the change, so what a receiver records commits or rolls back with it; receivers must not fail.

- `credentials_issued`: awards were issued (signed and stored); `awards`: the Award rows, with `learner` loaded
  and their badge (`achievement` or `pathway`) in hand. One signal a batch, so a receiver reads once a batch.
- `credential_revoked`: one award was revoked; `award`: the Award row (its `learner_id`, `revoked_at`,
  `revocation_reason` set).
"""

from django.dispatch import Signal

credentials_issued = Signal()
credential_revoked = Signal()
