"""Every change to issuers, keys, awards and status lists goes through here (tasks, admin, commands, demo).

One module a use case: `issuing` (a badge, from a completed enrolment or in batches), `pathways`, `revocation`,
`issuers` (keys, did:web, signing), `status_lists`, `documents` (the credential JSON), `notifications` (the
learner's e-mails, run by the outbox), `choices` (the learner's), `permissions`, `codes`. The names other apps,
views, tasks and commands use are re-exported here.
"""

from badges.ob3.loader import CREDENTIALS_V2, OB_V3P0
from badges.services.choices import award_set_name_public
from badges.services.codes import CODE_ALPHABET, award_code_generate, award_code_normalize
from badges.services.documents import (
    achievement_document,
    badge_class_url,
    course_url,
    credential_build,
    identity_hash,
    image_url,
    issuer_profile,
    ob2_badge_class_url,
)
from badges.services.errors import BadgeError
from badges.services.issuers import (
    _active_key,  # bench/landed.py times signing with it
    issuer_did_document,
    issuer_key_create,
    issuer_key_rotate,
    key_encryption_keys,
    worker_warm_up,
)
from badges.services.issuing import (
    AWARD_BATCH_SIZE,
    BatchIssueError,
    BatchOutcome,
    achievement_awards_issue,
    award_issue,
    award_issue_for_enrolment,
    award_issue_for_enrolments,
    award_retry,
)
from badges.services.notifications import award_notify, award_revoked_notify
from badges.services.pathways import (
    PATHWAY_BATCH_SIZE,
    PathwayStatus,
    pathway_evaluate_all,
    pathway_issue_to_learners,
    pathway_rule_satisfied,
    pathway_status,
    pathways_evaluate,
)
from badges.services.permissions import user_can_issue, user_can_revoke, user_is_badge_admin
from badges.services.revocation import award_dependents, award_revoke
from badges.services.status_lists import status_list_sign

__all__ = [
    "AWARD_BATCH_SIZE",
    "CODE_ALPHABET",
    "CREDENTIALS_V2",
    "OB_V3P0",
    "PATHWAY_BATCH_SIZE",
    "BadgeError",
    "BatchIssueError",
    "BatchOutcome",
    "PathwayStatus",
    "_active_key",
    "achievement_awards_issue",
    "achievement_document",
    "award_code_generate",
    "award_code_normalize",
    "award_dependents",
    "award_issue",
    "award_issue_for_enrolment",
    "award_issue_for_enrolments",
    "award_notify",
    "award_retry",
    "award_revoke",
    "award_revoked_notify",
    "award_set_name_public",
    "badge_class_url",
    "course_url",
    "credential_build",
    "identity_hash",
    "image_url",
    "issuer_did_document",
    "issuer_key_create",
    "issuer_key_rotate",
    "issuer_profile",
    "key_encryption_keys",
    "ob2_badge_class_url",
    "pathway_evaluate_all",
    "pathway_issue_to_learners",
    "pathway_rule_satisfied",
    "pathway_status",
    "pathways_evaluate",
    "status_list_sign",
    "user_can_issue",
    "user_can_revoke",
    "user_is_badge_admin",
    "worker_warm_up",
]
