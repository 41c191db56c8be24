"""Browser test (desktop): a village clerk registers a visit petition (来访), accepts it and
tells the petitioner, transfers it to a department with the receipt, records the department's
answer, and concludes it with the written reply and the petitioner's satisfaction (issue 15)."""

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.petitions.choices import PetitionStatus
from junjia.petitions.models import Petition

from .factories import PETITIONER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_petition_registered_accepted_transferred_and_back_concluded(page, personas):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Registering a visit petition
    page.goto("/petitions/new/")
    page.get_by_label("信访渠道").select_option("visit")
    page.get_by_label("身份证号码").fill(PETITIONER)
    page.get_by_label("信访人姓名").fill("王某某")
    page.get_by_label("事项类别").select_option("pension")
    page.get_by_label("信访事项（事实和理由）").fill("伤残抚恤金未按新标准发放。")
    page.get_by_label("诉求").fill("补发差额。")
    page.shot("register")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".messages, .msg").first).to_contain_text("查询码")
    expect(page.locator("#petition-status")).to_have_text("已登记（待决定是否受理）")

    # Accepting it: the way the petitioner was told is required
    accept = page.locator("#step-accepted")
    accept.get_by_role("button", name="受理并告知").click()
    expect(page.locator(".messages, .msg").first).to_contain_text("请选择告知信访人的方式")
    page.locator("#step-accepted").get_by_label("告知信访人的方式").select_option("written")
    page.locator("#step-accepted").get_by_role("button", name="受理并告知").click()
    expect(page.locator("#petition-status")).to_have_text("已受理")
    expect(page.locator("#petition-due")).to_be_visible()

    # Transferred to a department with its receipt, and back with the result
    transfer = page.locator("#step-transferred")
    transfer.get_by_label("转送部门").fill("区人社局")
    transfer.get_by_label("回执编号").fill("RS-2026-031")
    transfer.get_by_role("button", name="转送其他部门").click()
    expect(page.locator("#petition-status")).to_have_text("已转送其他部门")
    back = page.locator("#step-in_progress")
    back.get_by_label("办理结果").fill("人社局已核实，同意补发。")
    back.get_by_role("button", name="转送部门回复").click()
    expect(page.locator("#petition-status")).to_have_text("办理中")

    # Concluded with the written reply and the satisfaction
    done = page.locator("#step-concluded")
    done.get_by_label("书面答复意见").fill("自本月起按新标准发放，并补发差额。")
    done.get_by_label("信访人满意度").select_option("satisfied")
    done.get_by_role("button", name="办结（书面答复）").click()
    expect(page.locator("#petition-status")).to_have_text("已办结（已书面答复）")
    expect(page.locator("#petition-steps")).to_contain_text("区人社局（回执 RS-2026-031）")
    page.shot("concluded")
    petition = Petition.objects.get()
    assert petition.status == PetitionStatus.CONCLUDED and petition.satisfaction == "satisfied"
    assert list(petition.steps.values_list("action", flat=True)) == [
        "登记",
        "受理并告知",
        "转送其他部门",
        "转送部门回复",
        "办结（书面答复）",
    ]


def log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_be_visible()


def test_escalated_taken_on_by_a_leader_concluded_then_reviewed_above(page, tree, personas):
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff
    from junjia.petitions import services

    from .factories import register

    town_clerk = make_staff(tree.stations.town1, Role.CLERK, username="town_clerk")
    town_head = make_staff(tree.stations.town1, Role.STATION_HEAD, username="town_head")
    county_clerk = make_staff(tree.stations.county, Role.CLERK, username="county_clerk")
    petition = register(personas.clerk_a)
    services.petition_step(
        actor=personas.clerk_a, petition=petition, to=PetitionStatus.ACCEPTED, told_by="written"
    )
    url = f"/petitions/{petition.pk}/"
    page.set_viewport_size({"width": 1280, "height": 900})

    # The village cannot resolve it: escalated to the township
    log_in(page, "clerk_a")
    page.goto(url)
    page.locator("#step-escalated").get_by_label("理由").fill("涉及跨村土地，本级无法解决")
    page.locator("#step-escalated").get_by_role("button", name="上报上级").click()
    expect(page.locator("#petition-status")).to_have_text("已上报上级")

    # The township's clerk takes it up; its head names himself the leader owning it
    log_in(page, "town_clerk")
    page.goto(url)
    page.locator("#step-in_progress").get_by_role("button", name="接办").click()
    expect(page.locator("#petition-status")).to_have_text("办理中")
    log_in(page, "town_head")
    page.goto(url)
    page.locator("#step-leader").get_by_label("包案领导").select_option(str(town_head.pk))
    page.locator("#step-leader").get_by_role("button", name="指定包案领导").click()
    expect(page.locator("#petition-facts")).to_contain_text("包案领导")

    # The clerk cannot conclude a matter a leader owns; the leader does
    log_in(page, "town_clerk")
    page.goto(url)
    expect(page.locator("#step-transferred")).to_be_visible()
    expect(page.locator("#step-concluded")).to_have_count(0)
    log_in(page, "town_head")
    page.goto(url)
    done = page.locator("#step-concluded")
    done.get_by_label("书面答复意见").fill("经协调，土地由村集体按规定补偿。")
    done.get_by_label("信访人满意度").select_option("unsatisfied")
    done.get_by_role("button", name="办结（书面答复）").click()
    expect(page.locator("#petition-status")).to_have_text("已办结（已书面答复）")

    # The petitioner asks for a review at the level above the township: the county takes it
    log_in(page, "county_clerk")
    page.goto(url)
    page.locator("#step-review").get_by_role("button", name="受理复查申请").click()
    expect(page.locator("#petition-status")).to_have_text("复查中")
    expect(page.locator("#petition-facts")).to_contain_text(tree.stations.county.name)
    expect(page.locator("#petition-due")).to_be_visible()
    page.shot("review-above")
    petition.refresh_from_db()
    assert (petition.owner, petition.leader) == (county_clerk, town_head)
    assert town_clerk.pk in set(petition.handlers.values_list("user_id", flat=True))
