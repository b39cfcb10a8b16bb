"""The integrations app's models: API tokens (`tokens`) and webhooks (`webhooks`)."""

from integrations.models.tokens import *  # noqa: F403
from integrations.models.webhooks import *  # noqa: F403
