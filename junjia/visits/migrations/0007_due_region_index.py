"""The clerk's visits-due index; and the reason of every reassignment made before the
member kept it, copied from its audit row (the last one of each member)."""

from django.conf import settings
from django.db import migrations, models


def reasons_from_audit(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    CampaignMember = apps.get_model("visits", "CampaignMember")
    reasons = {}
    entries = AuditEntry.objects.filter(
        object_type="visits.campaignmember", changes__has_key="responsible_level"
    ).order_by("id")
    for object_id, extra in entries.values_list("object_id", "extra").iterator():
        if object_id.isdigit() and (extra or {}).get("reason"):
            reasons[int(object_id)] = str(extra["reason"])[:200]
    for pk, reason in reasons.items():
        CampaignMember.objects.filter(
            pk=pk, reassigned_at__isnull=False, reassign_reason=""
        ).update(reassign_reason=reason)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_audit_refused_action"),
        ("registry", "0003_step_extra"),
        ("visits", "0006_assignment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="campaignmember",
            index=models.Index(
                condition=models.Q(("visit_state", "due")),
                fields=["region_key", "closes"],
                name="campaign_member_due_region",
            ),
        ),
        migrations.RunPython(reasons_from_audit, migrations.RunPython.noop),
    ]
