"""Notifications to staff: written in the caller's transaction, shown in the top bar."""

from collections.abc import Iterable

from django.utils import timezone

from .models import Notification


def notify(users, text: str, link: str = "") -> int:
    """One notification per distinct user (users or their ids; None entries are skipped)."""
    return notify_many([(users, text, link)])


def notify_many(messages: Iterable[tuple[Iterable, str, str]]) -> int:
    """Several messages (users, text, link), each written as `notify` would, in one INSERT."""
    rows = []
    for users, text, link in messages:
        seen = set()
        for user in users:
            pk = user if isinstance(user, int) or user is None else user.pk
            if pk is None or pk in seen:
                continue
            seen.add(pk)
            rows.append(Notification(user_id=pk, text=text[:300], link=link[:300]))
    Notification.objects.bulk_create(rows)
    return len(rows)


def unread_for(user, limit: int = 20):
    return Notification.objects.filter(user=user, read_at__isnull=True)[:limit]


def mark_read(user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
