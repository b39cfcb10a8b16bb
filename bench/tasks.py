from celery import shared_task


@shared_task
def noop() -> None:
    """The broker baseline: a task that does nothing, through the real Redis broker and a real worker."""


def notifications_discard(broker_url: str) -> int:
    """Drop the e-mails the measured awards queued: the bench's signing worker does not consume the notifications
    queue (production runs it on workers of its own), so they would pile up in the bench's Redis database."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(broker_url)
    try:
        # kombu keeps a queue in a list of its name, and one list per other priority ("<name>\x06\x16<n>").
        keys = [settings.NOTIFICATIONS_QUEUE, *client.scan_iter(match=f"{settings.NOTIFICATIONS_QUEUE}\x06\x16*")]
        return int(client.delete(*keys))
    finally:
        client.close()
