"""Background work of the registry: the per-county category counts."""

from django.db import connection, transaction
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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One grouped pass over every membership, joined to the living approved files
            # through their partial index (recip_living_approved, migration 0002): enough
            # memory to hash it instead of sorting through temporary files, and no JIT
            # compilation (a quarter of a second that buys nothing for one aggregate).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL jit = off")
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
        CategoryCount.objects.all().delete()
        CategoryCount.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)
