from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.health import broker_status, database_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (the broker's state is reported), 503 when it does not."""
    database = database_status()
    status = {"database": database, "broker": broker_status()}
    return JsonResponse(status, status=200 if database == "ok" else 503)
