"""Migration 0007 copies the reason of each reassignment made before members kept it from
its audit row onto the member (the last reassignment of each), and leaves a member whose
reason is already kept alone."""

import pytest
from django.utils import timezone

from junjia.core import audit
from junjia.core.models import AuditAction
from junjia.core.tests.helpers_migrations import latest, migrate
from junjia.visits.models import CampaignMember
from junjia.visits.tests.test_campaigns import county_campaign


@pytest.mark.django_db(transaction=True)
def test_reasons_are_copied_from_the_audit_log(tree, personas):
    from junjia.registry.tests.factories import make_recipient

    pension = {"sections": {"pension": {"pension_type": "subsidy"}}}
    make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="王抚恤", **pension)
    make_recipient(tree.regions.village_b, created_by=personas.clerk_a, name="李定补", **pension)
    campaign = county_campaign(tree, personas, "spring-festival", "春节")
    # read whole before going back: a later migration's columns are not there at 0006
    members_now = CampaignMember.objects.select_related("campaign", "recipient")
    wang = members_now.get(campaign=campaign, recipient__name="王抚恤")
    li = members_now.get(campaign=campaign, recipient__name="李定补")
    try:
        old = migrate([("visits", "0006_assignment")])
        members = old.get_model("visits", "CampaignMember").objects
        members.filter(pk__in=[wang.pk, li.pk]).update(
            responsible_level=3, reassigned_at=timezone.now(), reassigned_by=personas.head_county
        )
        members.filter(pk=li.pk).update(reassign_reason="已记下的原因")
        for member, reason in ((wang, "先给乡镇"), (wang, "重点对象：县级联系"), (li, "旧原因")):
            audit.record(
                actor=personas.head_county,
                action=AuditAction.UPDATE,
                obj=member,
                changes={"responsible_level": [5, 3]},
                extra={"campaign": campaign.pk, "reason": reason},
            )
    finally:
        migrate(latest())
    kept = dict(CampaignMember.objects.values_list("recipient__name", "reassign_reason"))
    assert kept == {"王抚恤": "重点对象：县级联系", "李定补": "已记下的原因"}
