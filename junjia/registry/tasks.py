"""Background work of the registry: the per-county category counts."""

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django_tasks import task

from .choices import FileStatus
from .models import CategoryCount, CategoryMembership

COUNTY_SPAN = 10**6  # a county's subtree spans one million keys (see orgs/codes.py)


def living_approved_memberships():
    return CategoryMembership.objects.filter(
        recipient__status=FileStatus.APPROVED, recipient__death_date__isnull=True
    )


@task()
def refresh_category_counts() -> int:
    """Recompute every county's counts in one grouped query; idempotent, safe to overlap."""
    rows = (
        living_approved_memberships()
        .annotate(county=F("region_key") / COUNTY_SPAN)
        .values("county", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    now = timezone.now()
    fresh = [
        CategoryCount(
            county_key=row["county"] * COUNTY_SPAN,
            category=row["category"],
            count=row["n"],
            computed_at=now,
        )
        for row in rows
    ]
    with transaction.atomic():
        CategoryCount.objects.all().delete()
        CategoryCount.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)
