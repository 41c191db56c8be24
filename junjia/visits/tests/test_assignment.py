"""Assignment to visitors (issue 13 "Assignment to staff and to volunteer visitors"): the
responsible station assigns its people — its head, and at a village station its clerk — to
active staff of that station or one above it and/or to a volunteer recorded by name (phone
sealed through core.personal); reassigning replaces, unassigning clears; one audit row per
person; a refusal names the person or the field and changes nothing."""

import datetime as dt

import pytest
from freezegun import freeze_time

from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditEntry
from junjia.orgs.choices import Level, Role
from junjia.orgs.tests.factories import make_staff
from junjia.visits import errors, services
from junjia.visits.assignment import member_assign, member_unassign, staff_visitors
from junjia.visits.models import VOLUNTEER_PHONE, CampaignMember, VolunteerVisitor
from junjia.visits.recording import visit_record
from junjia.visits.tests.test_campaigns import SPRING, create, members
from junjia.visits.tests.test_visits import entry

pytestmark = pytest.mark.django_db
TODAY = SPRING - dt.timedelta(days=10)  # windows open (SPRING - 30 … SPRING + 15)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(dt.datetime.combine(TODAY, dt.time(9))):
        yield


@pytest.fixture
def spring(people, personas, django_capture_on_commit_callbacks):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    return campaign, members(campaign)


def _assign_audits():
    return AuditEntry.objects.filter(
        object_type="visits.campaignmember", extra__assign__isnull=False
    )


def _state(*rows):
    return [
        CampaignMember.objects.values_list("visitor_id", "volunteer_id", "assigned_by_id").get(
            pk=row.pk
        )
        for row in rows
    ]


def test_a_village_clerk_assigns_to_herself_and_a_volunteer_then_reassigns_and_unassigns(
    spring, personas
):
    _campaign, found = spring
    wang = found["王抚恤"]
    # Given the village clerk of 村A; when she gives 王抚恤 to herself and a volunteer
    done = member_assign(
        actor=personas.clerk_a,
        members=[wang.pk],
        visitor=personas.clerk_a,
        volunteer_name="张志愿",
        volunteer_phone="139 1234 5678",
    )
    # Then both are recorded; the volunteer's phone sealed and masked, never plain
    wang.refresh_from_db()
    volunteer = VolunteerVisitor.objects.get()
    assert (wang.visitor, wang.volunteer, wang.assigned_by) == (
        personas.clerk_a,
        volunteer,
        personas.clerk_a,
    )
    assert done == [wang]
    assert volunteer.phone_masked == "139****5678"
    assert "13912345678" not in volunteer.phone_enc
    assert VOLUNTEER_PHONE.open(volunteer) == "13912345678"
    assert volunteer.station_key == personas.clerk_a.station.region_key
    audit = _assign_audits().get()
    assert audit.changes == {
        "visitor": [None, personas.clerk_a.pk],
        "volunteer": [None, volunteer.pk],
    }
    assert audit.subject_id == f"recipient:{wang.recipient_id}"
    assert "13912345678" not in str(AuditEntry.objects.values_list("changes", flat=True))

    # the same volunteer again is the same record; reassigning to the village head replaces
    member_assign(
        actor=personas.clerk_a,
        members=[wang],
        visitor=personas.head_a,
        volunteer_name="张志愿",
        volunteer_phone="13912345678",
    )
    assert VolunteerVisitor.objects.count() == 1
    assert _state(wang) == [(personas.head_a.pk, volunteer.pk, personas.clerk_a.pk)]
    assert _assign_audits().latest("id").extra["assign"] == "reassign"

    # unassigning clears both, audited
    member_unassign(actor=personas.clerk_a, members=[wang])
    assert _state(wang) == [(None, None, None)]
    assert _assign_audits().count() == 3


def test_a_head_assigns_several_at_once_one_audit_row_each(spring, personas, tree):
    campaign, found = spring
    wang = found["王抚恤"]
    # a second person of 村A due in the campaign
    from junjia.registry.tests.factories import make_recipient
    from junjia.visits.generation import generate

    make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="郑定补",
        sections={"pension": {"pension_type": "subsidy"}},
    )
    generate(campaign, actor=personas.head_county)
    zheng = members(campaign)["郑定补"]
    member_assign(actor=personas.head_a, members=[wang.pk, zheng.pk], volunteer_name="刘志愿")
    volunteer = VolunteerVisitor.objects.get(name="刘志愿")
    assert volunteer.phone_masked == "" and volunteer.phone_enc == ""
    assert _state(wang, zheng) == [(None, volunteer.pk, personas.head_a.pk)] * 2
    assert _assign_audits().count() == 2


@pytest.mark.parametrize("who", ["clerk_b", "reviewer_town", "head_county", "leader_county"])
def test_only_the_responsible_station_assigns(spring, personas, who):
    _campaign, found = spring
    wang = found["王抚恤"]
    actor = getattr(personas, who)
    with pytest.raises(NotPermitted) as refused:
        member_assign(actor=actor, members=[wang], visitor=personas.clerk_a)
    message = str(refused.value)
    assert message in (
        errors.NOT_ASSIGNER_OF.format(person="王抚恤"),
        errors.NOT_ASSIGNER,
    )
    assert _state(wang) == [(None, None, None)]
    assert not _assign_audits().exists()


def test_a_township_clerk_does_not_assign_a_head_of_the_township_does(spring, personas, tree):
    _campaign, found = spring
    li = found["李定补"]  # 村B, 甲街道
    head_town = make_staff(tree.stations.town1, Role.STATION_HEAD, username="head_town1")
    clerk_town = make_staff(tree.stations.town1, Role.CLERK, username="clerk_town1")
    services.member_reassign(actor=head_town, member=li, level=Level.TOWNSHIP, reason="街道包联")
    with pytest.raises(NotPermitted):
        member_assign(actor=clerk_town, members=[li], visitor=clerk_town)
    # the village's clerk no longer assigns a person the township is responsible for
    with pytest.raises(NotPermitted, match="李定补不由您所在的服务站负责走访"):
        member_assign(actor=personas.clerk_b, members=[li], visitor=personas.clerk_b)
    member_assign(actor=head_town, members=[li], visitor=clerk_town)
    assert _state(li) == [(clerk_town.pk, None, head_town.pk)]


def test_the_visitor_must_be_staff_of_the_responsible_station_or_above(spring, personas):
    _campaign, found = spring
    wang = found["王抚恤"]
    # village B's clerk is not in 王抚恤's chain; an administrator holds no business role
    for visitor in (personas.clerk_b, personas.sysadmin, personas.head_county2):
        name = visitor.full_name or visitor.username
        with pytest.raises(InvalidInput) as refused:
            member_assign(actor=personas.clerk_a, members=[wang], visitor=visitor)
        assert refused.value.field == "visitor"
        assert str(refused.value) == errors.BAD_ASSIGN_VISITOR.format(visitor=name, person="王抚恤")
    # the county head is above: she may go
    member_assign(actor=personas.clerk_a, members=[wang], visitor=personas.head_county)
    assert _state(wang) == [(personas.head_county.pk, None, personas.clerk_a.pk)]
    # a visitor below the responsible level: once the county is responsible, not 村A's clerk
    services.member_reassign(
        actor=personas.head_county, member=wang, level=Level.COUNTY, reason="重点对象"
    )
    assert _state(wang) == [(None, None, None)]  # the village's visitors were the village's
    with pytest.raises(InvalidInput) as refused:
        member_assign(actor=personas.head_county, members=[wang], visitor=personas.clerk_a)
    assert str(refused.value).startswith(f"走访人员“{personas.clerk_a.full_name}”不是负责王抚恤")


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({}, "visitor", errors.NO_VISITOR_CHOSEN),
        ({"volunteer_phone": "13912345678"}, "volunteer_name", errors.NO_VOLUNTEER_NAME),
        ({"volunteer_name": "张" * 51}, "volunteer_name", errors.VOLUNTEER_NAME_TOO_LONG),
        (
            {"volunteer_name": "张志愿", "volunteer_phone": "12345"},
            "volunteer_phone",
            "志愿者手机号码应为 11 位中国大陆手机号，以 13–19 开头。",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_written(spring, personas, kw, field, message):
    _campaign, found = spring
    wang = found["王抚恤"]
    with pytest.raises(InvalidInput) as refused:
        member_assign(actor=personas.clerk_a, members=[wang], **kw)
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert _state(wang) == [(None, None, None)]
    assert not VolunteerVisitor.objects.exists()


def test_no_members_and_a_visited_person_are_refused(spring, personas):
    _campaign, found = spring
    wang = found["王抚恤"]
    with pytest.raises(InvalidInput) as refused:
        member_assign(actor=personas.clerk_a, members=[], visitor=personas.clerk_a)
    assert refused.value.field == "members"
    now = dt.datetime.combine(TODAY, dt.time(8)).astimezone()
    visit_record(
        actor=personas.clerk_a, recipient=wang.recipient, data=entry(visited_at=now), member=wang
    )
    with pytest.raises(WrongState, match="王抚恤已走访"):
        member_assign(actor=personas.clerk_a, members=[wang], visitor=personas.clerk_a)


def test_the_visitors_offered_are_her_station_and_above(personas):
    offered = set(staff_visitors(personas.clerk_a).values_list("username", flat=True))
    assert offered == {"clerk_a", "head_a", "reviewer_town", "head_county", "leader_county"}


def test_reassigning_keeps_the_reason_on_the_member(spring, personas):
    _campaign, found = spring
    wang = found["王抚恤"]
    services.member_reassign(
        actor=personas.head_county, member=wang, level=Level.COUNTY, reason="重点对象：县级联系"
    )
    wang.refresh_from_db()
    assert wang.reassign_reason == "重点对象：县级联系"
