"""Petitions: registration, repeats, the statutory limits in calendar days (15/60/extension/
review/recheck, the hearing's pause), refusal after the recheck, handling steps, the leader."""

import datetime as dt

import pytest
from freezegun import freeze_time

from junjia.core import numbering
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditEntry, Notification
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.petitions import services
from junjia.petitions.choices import PetitionStatus as S
from junjia.petitions.models import Petition, PetitionStep
from junjia.registry.tests.factories import make_id_number, make_recipient
from junjia.staffing import api as staffing

from .factories import petition_input, register

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def w(tree, personas):
    s = tree.stations
    with freeze_time("2026-03-02 10:00:00+08:00") as frozen:
        yield type(
            "W",
            (),
            {
                "clerk": personas.clerk_a,
                "clerk2": make_staff(s.village_a, Role.CLERK, username="clerk_a2"),
                "head": personas.head_a,
                "town_clerk": make_staff(s.town1, Role.CLERK, username="town_clerk"),
                "town_head": make_staff(s.town1, Role.STATION_HEAD, username="town_head"),
                "county_clerk": make_staff(s.county, Role.CLERK, username="county_clerk"),
                "leader": personas.leader_county,
                "tree": tree,
                "personas": personas,
                "frozen": frozen,
            },
        )


def accepted(w, **fields):
    p = register(w.clerk, **fields)
    return services.petition_step(actor=w.clerk, petition=p, to=S.ACCEPTED, told_by="written")


def concluded(w):
    p = accepted(w)
    return services.petition_step(
        actor=w.clerk, petition=p, to=S.CONCLUDED, reply="按新标准补发。", satisfaction="satisfied"
    )


def test_registration_owns_seals_and_counts_fifteen_days_from_receipt(w):
    p = register(w.clerk, received_on=DAY - dt.timedelta(days=2))
    assert p.status == S.REGISTERED and p.owner == w.clerk and p.handling_station == p.station
    assert p.due_on == DAY + dt.timedelta(days=13)  # 15 calendar days from receipt
    assert p.petitioner_id_masked.startswith("370202") and "*" in p.petitioner_id_masked
    assert p.petitioner_phone_masked == "139****5678"
    assert len(p.query_code) == 8 and p.number.startswith("XF370202001001-20260302-")
    assert AuditEntry.objects.filter(object_id=str(p.pk), action="create").count() == 1


def test_a_number_taken_between_reading_and_saving_is_read_again(w, monkeypatch):
    """Two clerks registering at one station at the same moment read the same last number;
    the second save meets the unique index and takes the next one, nothing half-written."""
    first = register(w.clerk)
    numbers = iter([first.number])  # what a registration racing the first one read
    real = numbering.next_number
    monkeypatch.setattr(
        numbering, "next_number", lambda *a, **k: next(numbers, None) or real(*a, **k)
    )
    second = register(w.clerk)
    assert second.number.endswith("-0002") and first.number.endswith("-0001")
    assert Petition.objects.count() == 2


def test_a_person_on_file_within_reach_is_linked_by_identity_number(w):
    number = make_id_number(dt.date(1960, 1, 1))
    person = make_recipient(w.tree.regions.village_a, created_by=w.clerk, id_number=number)
    p = register(w.clerk, id_number=number, petitioner_name="别名")
    assert p.recipient == person and p.petitioner_name == person.name


def test_a_person_on_file_elsewhere_is_registered_minimally(w):
    number = make_id_number(dt.date(1961, 1, 1))
    make_recipient(w.tree.regions.village_d, created_by=w.clerk, id_number=number)
    p = register(w.clerk, id_number=number, petitioner_name="李某")
    assert p.recipient is None and p.petitioner_name == "李某"


def test_a_repeat_is_merged_into_the_first_and_counted(w):
    first = accepted(w)
    second = register(w.clerk2, channel="phone")
    first.refresh_from_db()
    assert second.status == S.MERGED and second.merged_into == first and second.owner is None
    assert first.repeat_count == 1 and first.status == S.ACCEPTED
    assert first.steps.filter(action="重复信访并入").count() == 1
    other_matter = register(w.clerk, matter_type="housing")
    assert other_matter.status == S.REGISTERED and other_matter.merged_into is None


def test_group_petition_needs_five_people_and_representatives(w):
    with pytest.raises(InvalidInput, match="5 人及以上") as exc:
        register(w.clerk, is_group=True, people_count=3, representatives="甲")
    assert exc.value.field == "people_count"
    with pytest.raises(InvalidInput, match="代表姓名"):
        register(w.clerk, is_group=True, people_count=8, representatives="")
    p = register(w.clerk, is_group=True, people_count=8, representatives="甲、乙", skips_level=True)
    assert p.is_group and p.people_count == 8 and p.skips_level


def test_acceptance_tells_and_counts_sixty_days(w):
    p = register(w.clerk)
    with pytest.raises(InvalidInput, match="告知信访人的方式"):
        services.petition_step(actor=w.clerk, petition=p, to=S.ACCEPTED)
    p = services.petition_step(actor=w.clerk, petition=p, to=S.ACCEPTED, told_by="written")
    assert p.accepted_on == DAY and p.due_on == DAY + dt.timedelta(days=60)
    assert p.steps.last().extra["told_by"] == "书面告知"


def test_non_acceptance_needs_a_reason(w):
    p = register(w.clerk)
    with pytest.raises(InvalidInput, match="请填写理由"):
        services.petition_step(actor=w.clerk, petition=p, to=S.NOT_ACCEPTED, told_by="written")
    p = services.petition_step(
        actor=w.clerk, petition=p, to=S.NOT_ACCEPTED, told_by="written", reason="已进入诉讼程序"
    )
    assert p.status == S.NOT_ACCEPTED


def test_limits_are_configurable(w, settings):
    settings.JUNJIA_PETITION_LIMITS = {"accept": 10, "conclude": 45}
    p = register(w.clerk)
    assert p.due_on == DAY + dt.timedelta(days=10)
    p = services.petition_step(actor=w.clerk, petition=p, to=S.ACCEPTED, told_by="phone")
    assert p.due_on == DAY + dt.timedelta(days=45)


def test_one_extension_of_at_most_thirty_days_by_the_head(w):
    p = accepted(w)
    with pytest.raises(NotPermitted):
        services.petition_extend(
            actor=w.clerk, petition=p, days=30, reason="需调查", told_by="written"
        )
    with pytest.raises(InvalidInput, match="1 至 30 日"):
        services.petition_extend(
            actor=w.head, petition=p, days=31, reason="需调查", told_by="written"
        )
    with pytest.raises(InvalidInput, match="请填写理由"):
        services.petition_extend(actor=w.head, petition=p, days=30, reason=" ", told_by="written")
    p.refresh_from_db()
    assert p.due_on == DAY + dt.timedelta(days=60) and p.extension_days == 0
    p = services.petition_extend(
        actor=w.head, petition=p, days=30, reason="需会同人社部门核实", told_by="written"
    )
    assert p.due_on == DAY + dt.timedelta(days=90) and p.extension_days == 30
    with pytest.raises(InvalidInput, match="只能延期一次"):
        services.petition_extend(actor=w.head, petition=p, days=5, reason="再延", told_by="written")


def test_review_goes_up_a_level_within_thirty_days_and_is_answered_in_thirty(w):
    p = concluded(w)
    assert p.reply_on == DAY
    with pytest.raises(NotPermitted, match="甲街道"):
        services.petition_step(actor=w.clerk, petition=p, to=S.REVIEW)
    w.frozen.move_to("2026-04-01 10:00:00+08:00")  # day 30 after the reply: still in time
    p = services.petition_step(actor=w.town_clerk, petition=p, to=S.REVIEW)
    assert p.handling_station == w.tree.stations.town1 and p.owner == w.town_clerk
    assert p.due_on == dt.date(2026, 5, 1)
    p = services.petition_step(actor=w.town_clerk, petition=p, to=S.REVIEWED, opinion="维持")
    assert p.reviewed_on == dt.date(2026, 4, 1)


def test_a_late_review_request_is_refused_saying_why(w):
    p = concluded(w)
    w.frozen.move_to("2026-04-02 10:00:00+08:00")  # 31 days after the reply
    with pytest.raises(InvalidInput, match=r"30 日内提出.*已过 1 日"):
        services.petition_step(actor=w.town_clerk, petition=p, to=S.REVIEW)
    p.refresh_from_db()
    assert p.status == S.CONCLUDED


def reviewed(w):
    p = concluded(w)
    p = services.petition_step(actor=w.town_clerk, petition=p, to=S.REVIEW)
    return services.petition_step(actor=w.town_clerk, petition=p, to=S.REVIEWED, opinion="维持")


def test_recheck_at_the_level_above_the_review_and_a_hearing_pauses_the_clock(w):
    p = reviewed(w)
    w.frozen.move_to("2026-03-31 10:00:00+08:00")  # 29 days after the review opinion
    p = services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECK)
    assert p.handling_station == w.tree.stations.county
    assert p.due_on == dt.date(2026, 4, 30)
    w.frozen.move_to("2026-04-10 10:00:00+08:00")
    p = services.petition_step(actor=w.county_clerk, petition=p, to=S.HEARING)
    assert p.paused_on == dt.date(2026, 4, 10)
    w.frozen.move_to("2026-04-22 10:00:00+08:00")  # a 12-day hearing
    p = services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECK)
    assert p.paused_on is None and p.due_on == dt.date(2026, 5, 12)
    assert p.steps.last().extra["paused_days"] == 12
    p = services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECKED, opinion="维持")
    assert p.status == S.RECHECKED and p.rechecked_on == dt.date(2026, 4, 22)


def test_a_late_recheck_request_is_refused(w):
    p = reviewed(w)
    w.frozen.move_to("2026-04-02 10:00:00+08:00")
    with pytest.raises(InvalidInput, match="复核申请应在收到复查意见之日起 30 日内"):
        services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECK)


def test_after_the_recheck_the_same_matter_is_refused_saying_why(w):
    p = reviewed(w)
    p = services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECK)
    services.petition_step(actor=w.county_clerk, petition=p, to=S.RECHECKED, opinion="维持")
    count = Petition.objects.count()
    with pytest.raises(InvalidInput, match=r"复核终结.*不再受理") as exc:
        register(w.clerk2, channel="letter")
    assert exc.value.field == "matter_type" and Petition.objects.count() == count


def test_only_the_first_handler_or_their_b_while_away_handles_it(w):
    p = register(w.clerk)
    with pytest.raises(NotPermitted, match="首办负责"):
        services.petition_step(actor=w.clerk2, petition=p, to=S.ACCEPTED, told_by="written")
    p.refresh_from_db()
    assert p.status == S.REGISTERED and p.steps.count() == 1
    staffing.window_save(
        actor=w.head,
        station=w.tree.stations.village_a,
        name="信访窗口",
        primary=w.clerk,
        backup=w.clerk2,
    )
    staffing.leave_record(actor=w.head, user=w.clerk, start=DAY, end=DAY + dt.timedelta(days=2))
    p = services.petition_step(actor=w.clerk2, petition=p, to=S.ACCEPTED, told_by="written")
    assert p.status == S.ACCEPTED


def test_hand_down_is_taken_up_below_and_transfer_comes_back_with_the_result(w, tree):
    town = register(w.town_clerk)
    town = services.petition_step(
        actor=w.town_clerk, petition=town, to=S.ACCEPTED, told_by="written"
    )
    with pytest.raises(InvalidInput, match="下一级"):
        services.petition_step(
            actor=w.town_clerk, petition=town, to=S.HANDED_DOWN, station=tree.stations.village_d.pk
        )
    town = services.petition_step(
        actor=w.town_clerk, petition=town, to=S.HANDED_DOWN, station=tree.stations.village_a.pk
    )
    assert town.handling_station == tree.stations.village_a and town.owner is None
    assert town.region_key == tree.stations.village_a.region_key
    assert town.due_on == DAY + dt.timedelta(days=60)  # the clock runs on
    with pytest.raises(NotPermitted, match="等待村A"):
        services.petition_step(actor=w.county_clerk, petition=town, to=S.IN_PROGRESS)
    town = services.petition_step(actor=w.clerk, petition=town, to=S.IN_PROGRESS)
    assert town.owner == w.clerk
    with pytest.raises(InvalidInput, match="回执"):
        services.petition_step(
            actor=w.clerk, petition=town, to=S.TRANSFERRED, department="区人社局"
        )
    town = services.petition_step(
        actor=w.clerk, petition=town, to=S.TRANSFERRED, department="区人社局", receipt="RS-0301"
    )
    assert town.transfer_department == "区人社局"
    town = services.petition_step(actor=w.clerk, petition=town, to=S.IN_PROGRESS, result="已核实")
    assert town.status == S.IN_PROGRESS and town.owner == w.clerk


def test_escalation_is_followed_at_the_level_above_and_below(w):
    p = accepted(w)
    p = services.petition_step(actor=w.clerk, petition=p, to=S.ESCALATED, reason="涉及跨村协调")
    assert p.handling_station == w.tree.stations.town1 and p.owner is None
    p = services.petition_step(actor=w.town_clerk, petition=p, to=S.IN_PROGRESS)
    assert p.owner == w.town_clerk
    from junjia.petitions.permissions import can_read_content

    assert can_read_content(w.clerk, p)  # the first station follows it until it is closed


def test_the_leader_takes_part_in_each_step_and_concludes(w):
    p = accepted(w)
    with pytest.raises(InvalidInput, match="负责人或领导"):
        services.petition_name_leader(actor=w.head, petition=p, leader_id=w.clerk2.pk)
    p = services.petition_name_leader(actor=w.head, petition=p, leader_id=w.head.pk)
    with pytest.raises(InvalidInput, match="包案领导审定办结"):
        services.petition_step(
            actor=w.clerk, petition=p, to=S.CONCLUDED, reply="答复", satisfaction="satisfied"
        )
    assert dict(services.steps_for(w.clerk, p)).get(S.CONCLUDED) is None
    p = services.petition_step(
        actor=w.clerk, petition=p, to=S.TRANSFERRED, department="区民政局", receipt="MZ-1"
    )
    assert p.steps.last().extra["leader"] == str(w.head)
    p = services.petition_step(actor=w.head, petition=p, to=S.IN_PROGRESS, result="已办")
    p = services.petition_step(
        actor=w.head, petition=p, to=S.CONCLUDED, reply="答复", satisfaction="basically"
    )
    assert p.status == S.CONCLUDED and p.satisfaction == "basically"


def test_conclusion_needs_the_reply_and_the_satisfaction(w):
    p = accepted(w)
    with pytest.raises(InvalidInput, match="满意度"):
        services.petition_step(actor=w.clerk, petition=p, to=S.CONCLUDED, reply="答复")
    with pytest.raises(WrongState) as exc:
        services.petition_step(actor=w.clerk, petition=p, to=S.RECHECKED, opinion="x")
    assert (S.CONCLUDED, "已办结（已书面答复）") in exc.value.allowed


def test_an_attachment_of_the_wrong_kind_is_refused_by_name(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("病毒.exe", b"MZ")
    with pytest.raises(InvalidInput, match=r"病毒\.exe") as exc:
        services.petition_register(actor=w.clerk, data=petition_input(attachments=[bad]))
    assert exc.value.field == "attachments"
    good = SimpleUploadedFile("证明.pdf", b"%PDF-1.4")
    p, _ = services.petition_register(actor=w.clerk, data=petition_input(attachments=[good]))
    assert p.attachments.get().name == "证明.pdf"


def test_the_deadline_scan_tells_the_handler_and_the_head(w):
    from junjia.core import deadlines
    from junjia.core.workdays.services import calendar_seed_from_package

    calendar_seed_from_package()
    p = register(w.clerk)
    counts = deadlines.scan(DAY + dt.timedelta(days=16))["petition"]
    assert counts["overdue"] == 1
    told = set(Notification.objects.filter(text__contains=p.number).values_list("user", flat=True))
    assert {w.clerk.pk, w.head.pk} <= told
    assert PetitionStep.objects.filter(petition=p).count() == 1
