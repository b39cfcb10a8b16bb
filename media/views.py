from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from media.uploads import private_file_for_token


@require_GET
def private_file_view(request: HttpRequest, token: str) -> FileResponse:
    """Serve a private file from a signed, short-lived link; the permission check happened when the link
    was made."""
    private_file = private_file_for_token(token)
    if private_file is None:
        raise Http404
    response = FileResponse(
        private_file.file.open("rb"),
        as_attachment=True,
        filename=private_file.original_name,
        content_type=private_file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Were a browser ever to show it inline anyway, it could run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
