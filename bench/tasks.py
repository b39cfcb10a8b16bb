from celery import shared_task


@shared_task
def noop() -> None:
    """The broker baseline: a task that does nothing, through the real Redis broker and a real worker."""
