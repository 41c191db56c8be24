"""The public progress query of cases/api.py (办件进度查询): the case number and the person's
identity number show the status and the dated changes of status, nothing else; any mismatch
gives the one answer None."""

import datetime as dt

import pytest
from freezegun import freeze_time

from junjia.cases import api, services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import CaseStatus, Channel
from junjia.cases.models import ServiceItem
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.registry.tests.factories import make_id_number, make_recipient

from .test_services import ALL_CARD_MATERIALS

NUMBER = make_id_number(dt.date(1968, 9, 12), male=True, seq=41)
OTHER = make_id_number(dt.date(1972, 3, 5), male=True, seq=77)


@pytest.fixture
def clerk(personas):
    calendar_seed_from_package()
    load_catalogue()
    return personas.clerk_a


def open_case(clerk, **kw):
    return services.case_open(
        actor=clerk,
        item=ServiceItem.objects.get(code="preferential-card"),
        channel=Channel.WINDOW,
        applicant_phone="13912345678",
        **{"applicant_name": "王大明", **kw},
    )


def test_a_walk_in_follows_the_case_by_its_number_and_identity_number(clerk):
    # Given a case opened on Monday with the materials missing, the notice issued, the
    # materials brought on Wednesday, accepted, an extension asked for, and completed
    with freeze_time("2026-09-28 10:00:00+08:00"):
        case = open_case(clerk, applicant_id=NUMBER, received={})
        case = services.case_mark_incomplete(actor=clerk, case=case)
        case = services.case_issue_notice(actor=clerk, case=case)
    with freeze_time("2026-09-30 09:30:00+08:00"):
        case = services.case_recheck(actor=clerk, case=case, received=ALL_CARD_MATERIALS)
        case = services.case_accept(actor=clerk, case=case)
        services.extension_request(actor=clerk, case=case, days=3, reason="等待上级回函")
    with freeze_time("2026-10-12 16:00:00+08:00"):
        services.case_complete(actor=clerk, case=case, result="已制证发放")

    # When the person types the number printed on the notice and their identity number
    progress = api.case_progress(case.number, NUMBER.lower())

    # Then they see the status, the item, the station and each change of status by date;
    # the extension (a working note that leaves the status as it was) is not among them
    assert progress == api.CaseProgress(
        status="已办结",
        item_name="优待证申领",
        station_name="村A退役军人服务站",
        steps=(
            api.PublicStep(dt.date(2026, 9, 28), "已接件"),
            api.PublicStep(dt.date(2026, 9, 28), "材料不全"),
            api.PublicStep(dt.date(2026, 9, 28), "已一次性告知"),
            api.PublicStep(dt.date(2026, 9, 30), "已接件"),
            api.PublicStep(dt.date(2026, 9, 30), "已受理"),
            api.PublicStep(dt.date(2026, 10, 12), "已办结"),
        ),
    )


def test_a_mismatch_of_either_half_gives_the_same_nothing(clerk):
    case = open_case(clerk, applicant_id=NUMBER)
    no_id = open_case(clerk)

    assert api.case_progress(case.number, NUMBER) is not None
    # another person's number, an unknown case number, a number that is no identity number,
    # and a case that was opened without one all answer alike
    assert api.case_progress(case.number, OTHER) is None
    assert api.case_progress(case.number[:-1] + "9", NUMBER) is None
    assert api.case_progress(case.number, "123456") is None
    assert api.case_progress(no_id.number, NUMBER) is None
    assert api.case_progress(no_id.number, "") is None


def test_a_case_opened_from_a_file_is_found_with_the_files_identity_number(clerk, tree):
    person = make_recipient(tree.regions.village_a, created_by=clerk, name="赵六", id_number=NUMBER)
    case = open_case(clerk, recipient=person)

    progress = api.case_progress(case.number, NUMBER)

    assert (progress.status, progress.item_name) == (CaseStatus.RECEIVED.label, "优待证申领")
    assert [step.label for step in progress.steps] == ["已接件"]
    assert api.case_progress(case.number, OTHER) is None


def test_the_query_reads_the_case_and_its_steps_in_two_queries(clerk, django_assert_num_queries):
    case = open_case(clerk, applicant_id=NUMBER, received=ALL_CARD_MATERIALS)
    case = services.case_accept(actor=clerk, case=case)

    with django_assert_num_queries(2):
        progress = api.case_progress(case.number, NUMBER)

    assert [step.label for step in progress.steps] == ["已接件", "已受理"]
