"""Browser tests of the registry pages, as the people who use them: a village clerk files a
person and submits the file, the township and county reviewers approve it up two levels, a
reviewer returns a file with a reason, a clerk searches by pinyin initials, a station head
reveals a masked number. Screenshots under test-artifacts/screenshots/."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from junjia.core.models import AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.choices import Category, FileStatus
from junjia.registry.models import Recipient, ReviewStep
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_be_visible()


def log_out(page) -> None:
    page.locator(".topbar").get_by_role("button", name="退出", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def open_nav(page, label: str) -> None:
    page.locator("#sidenav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()  # htmx has wired the page up


def accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_clerk_files_a_person_and_two_levels_approve_it(page, tree, personas):
    reviewer_county = make_staff(tree.stations.county, Role.REVIEWER, username="reviewer_county")
    number = make_id_number(dt.date(1968, 9, 12), male=True, seq=41)
    accept_dialogs(page)

    # Given the clerk of village A
    log_in(page, "clerk_a")
    open_nav(page, "新建档案")
    expect(page.get_by_role("heading", name="新建档案")).to_be_visible()

    # When they type the identity number, the gender and birth date appear (htmx)
    page.get_by_label("公民身份号码").fill(number)
    preview = page.locator("#id-preview")
    expect(preview).to_contain_text("性别：男")
    expect(preview).to_contain_text("出生日期：1968-09-12")
    page.get_by_label("姓名").fill("周国强")
    page.get_by_label("手机号码").fill("13687654321")
    page.shot("01-new-file")
    page.get_by_role("button", name="建立档案（草稿）").click()

    # Then the draft's profile opens, numbers masked
    expect(page.get_by_role("heading", level=1)).to_have_text("周国强")
    expect(page.locator("#file-status")).to_have_text("草稿")
    expect(page.locator(".profile-head")).to_contain_text("136****4321")
    expect(page.locator(".profile-head")).not_to_contain_text(number)
    page.shot("02-draft-profile")

    # When they register a category and fill in the service section
    page.locator("#categories").get_by_role("link", name="编辑").click()
    page.locator("#id_categories-0-category").select_option(label="退役士兵")
    page.locator("#id_categories-0-start_date").fill("1990-12-01")
    page.shot("03-categories")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("ul.messages")).to_contain_text("服务对象类别已保存。")
    page.get_by_role("tab", name="服役信息").click()
    page.locator("#tab-service").get_by_role("link", name="编辑").click()
    page.get_by_label("入伍时间").fill("1986-12-01")
    page.get_by_label("退役时间").fill("1990-11-30")
    page.get_by_label("军种").select_option(label="陆军")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"#tab-service$"))
    expect(page.locator("#tab-service")).to_be_visible()
    expect(page.locator("#tab-service")).to_contain_text("1986-12-01")
    expect(page.locator("#tab-basic")).to_be_hidden()

    # And submit it
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("ul.messages")).to_contain_text("已提交审核，待乡镇（街道）审核。")
    expect(page.locator("#file-status")).to_contain_text("审核中")
    page.shot("04-submitted")
    assert page.js_errors == []
    log_out(page)

    # The township reviewer finds it in 待我审核 and passes it up
    log_in(page, "reviewer_town")
    open_nav(page, "待我审核")
    queue = page.locator("#queue-files")
    expect(queue).to_contain_text("周国强")
    page.shot("05-township-queue")
    queue.get_by_role("link", name="周国强").click()
    expect(page.locator(".review-box")).to_contain_text("该档案等待您审核。")
    # the documents are not all in: passing it up needs the reviewer's reason
    page.get_by_label("审核意见（尚缺材料，须说明通过理由）").fill("信息属实，原件已核验")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("ul.messages")).to_contain_text("已审核通过，上报县级审核。")
    expect(page.locator(".review-box")).to_have_count(0)
    assert page.js_errors == []
    log_out(page)

    # The county reviewer approves it
    log_in(page, "reviewer_county")
    open_nav(page, "待我审核")
    page.locator("#queue-files").get_by_role("link", name="周国强").click()
    page.get_by_label("审核意见（尚缺材料，须说明通过理由）").fill("原件已核验")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("ul.messages")).to_contain_text("档案已审核通过，生效。")
    expect(page.locator("#file-status")).to_have_text("已通过")
    timeline = page.locator("#history .timeline")
    expect(timeline.locator("li")).to_have_count(4)
    expect(timeline).to_contain_text("信息属实，原件已核验")
    page.shot("06-approved")
    assert page.js_errors == []

    recipient = Recipient.objects.get(name="周国强")
    assert recipient.status == FileStatus.APPROVED
    assert list(
        ReviewStep.objects.filter(recipient=recipient).values_list("actor__username", flat=True)
    ) == ["clerk_a", "clerk_a", "reviewer_town", reviewer_county.username]


def test_reviewer_returns_a_file_and_the_clerk_reads_why(page, tree, personas):
    recipient = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="吴秀兰",
        male=False,
        status=FileStatus.SUBMITTED,
        review_level=4,
        categories=(Category.MARTYR_FAMILY,),
        id_number=make_id_number(male=False, seq=42),
    )
    ReviewStep.objects.create(
        recipient=recipient,
        action="提交审核",
        from_status="draft",
        to_status="submitted",
        actor=personas.clerk_a,
        station_name="村A退役军人服务站",
    )

    # Given the township reviewer on the file
    log_in(page, "reviewer_town")
    page.goto(f"/registry/recipients/{recipient.pk}/")
    # When they return it without a reason, the browser asks for one
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#return-reason")).to_be_focused()
    # When they give the reason
    page.get_by_label("退回原因").fill("缺烈士证明书和亲属关系证明，请补传扫描件。")
    page.shot("01-return")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("ul.messages")).to_contain_text("已退回，经办人将看到退回原因。")
    assert page.js_errors == []
    log_out(page)

    # Then the clerk sees the reason on the file and can submit again
    log_in(page, "clerk_a")
    open_nav(page, "档案查询")
    page.get_by_role("link", name="吴秀兰").click()
    reason = page.locator("#returned-reason")
    expect(reason).to_contain_text("已退回：缺烈士证明书和亲属关系证明，请补传扫描件。")
    expect(reason).to_contain_text("甲街道退役军人服务站")
    expect(page.locator("#file-status")).to_have_text("已退回")
    expect(page.locator(".doc-checklist li.lack")).to_contain_text(["身份证", "户口本"])
    expect(page.get_by_role("button", name="提交审核")).to_be_visible()
    page.shot("02-clerk-sees-reason")
    assert page.js_errors == []


def test_clerk_searches_by_pinyin_initials(page, tree, personas):
    for i, (name, birth) in enumerate(
        [("张三", dt.date(1950, 1, 1)), ("张珊珊", dt.date(1975, 5, 5)), ("李四", None)]
    ):
        make_recipient(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name=name,
            birth=birth or dt.date(1980, 5, 17),
            phone=f"1391234567{i}",
            id_number=make_id_number(birth or dt.date(1980, 5, 17), seq=50 + i),
        )
    make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="张山",
        id_number=make_id_number(seq=59),
    )

    # Given the clerk of village A on 档案查询
    log_in(page, "clerk_a")
    open_nav(page, "档案查询")
    results = page.locator("#results")
    expect(results).to_contain_text("共 3 人")
    page.shot("01-list")

    # When they type the initials "zs"
    page.get_by_placeholder("姓名、拼音或首字母").fill("zs")
    # Then the list narrows as they type (htmx), to A's people whose initials start "zs"
    expect(results).to_contain_text("共 2 人")
    expect(results.locator("a.name")).to_have_text(["张三", "张珊珊"])
    expect(results).not_to_contain_text("张山")  # village B is outside the jurisdiction
    expect(results).to_contain_text("139****5670")
    expect(page).to_have_url(re.compile(r"q=zs"))
    page.shot("02-zs")

    # When they add an age filter
    page.get_by_text("筛选和排序").click()
    page.get_by_label("最小年龄").fill("70")
    page.get_by_label("最小年龄").press("Tab")
    expect(results.locator("a.name")).to_have_text(["张三"])

    # And save the filter as a ledger
    results.get_by_role("link", name="保存为台账").click()
    expect(page.locator("form.card")).to_contain_text("关键词“zs”，70 岁及以上")
    page.get_by_label("台账名称").fill("70岁以上张姓")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存为台账“70岁以上张姓”。")
    page.get_by_role("link", name="70岁以上张姓").first.click()
    expect(page.locator("#results")).to_contain_text("台账：70岁以上张姓")
    expect(page.locator("#results a.name")).to_have_text(["张三"])
    assert page.js_errors == []
    # one audit row per list shown, with its filter
    assert AuditEntry.objects.filter(
        object_type="registry.recipient_list", extra__q="zs", extra__age_min="70"
    ).exists()

    # On a phone the rows become cards
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/registry/recipients/?q=zs")
    expect(page.locator("#results a.name")).to_have_text(["张三", "张珊珊"])
    page.shot("03-phone")
    assert page.js_errors == []


def test_station_head_reveals_a_masked_number(page, tree, personas):
    station = tree.stations.village_a
    station.phone, station.hotline, station.address = "0532-8288 6001", "12345", "村委会一楼东侧"
    station.office_hours = "工作日 8:30–12:00，13:30–17:30"
    station.save()
    number = make_id_number(dt.date(1955, 2, 2), seq=60)
    recipient = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="陈志远",
        birth=dt.date(1955, 2, 2),
        phone="13755556666",
        id_number=number,
    )

    # Given the station head of village A on the file
    log_in(page, "head_a")
    page.goto(f"/registry/recipients/{recipient.pk}/")
    holder = page.locator("#reveal-id_number")
    expect(holder).to_have_text(re.compile(r"^370202\*{8}\d{3}[\dX]\s*显示$"))
    page.shot("01-masked")

    # When they click 显示 next to the identity number
    holder.get_by_role("button", name="显示完整身份证号码").click()

    # Then the full number shows in place (htmx) and the showing is audited
    expect(page.locator("[data-revealed=id_number]")).to_have_text(number)
    expect(page.locator("#reveal-phone")).to_contain_text("137****6666")
    page.shot("02-revealed")
    assert page.js_errors == []
    entry = AuditEntry.objects.get(extra__revealed="id_number")
    assert entry.actor_id == personas.head_a.pk
    assert entry.subject_id == f"recipient:{recipient.pk}"

    # The contact card prints the station and clerk, not the number
    page.get_by_role("link", name="联系服务卡").click()
    card = page.locator(".contact-card")
    expect(card).to_contain_text("村A退役军人服务站")
    expect(card).to_contain_text("陈志远 同志")
    expect(card).to_contain_text("0532-8288 6001")
    expect(card).not_to_contain_text(number)
    expect(card.locator("svg.segno")).to_be_visible()
    page.shot("03-card")
    page.emulate_media(media="print")
    expect(page.locator("#sidenav")).to_be_hidden()
    page.shot("04-card-print")
    assert page.js_errors == []


def test_clerk_pages_on_a_phone(page, tree, personas):
    recipient = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="刘海波",
        phone="13500001111",
        id_number=make_id_number(seq=61),
    )
    Recipient.objects.filter(pk=recipient.pk).update(
        last_verified_at=timezone.now() - dt.timedelta(days=400)
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "clerk_a")
    page.goto(f"/registry/recipients/{recipient.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("刘海波")
    page.shot("01-profile-phone")
    page.goto("/registry/new/")
    page.shot("02-new-phone")
    page.goto("/registry/reverification/")
    expect(page.locator("#results, main")).to_contain_text("共 1 人")
    page.get_by_role("button", name="核实").click()
    expect(page.locator(f"#verify-{recipient.pk}")).to_contain_text("已核实")
    page.shot("03-reverification-phone")
    assert page.js_errors == []


def test_change_request_and_transfer(page, tree, personas):
    """An approved file is changed through a change request; a transfer is asked for and
    decided by the sending side."""
    accept_dialogs(page)
    approved = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="孙建华",
        id_number=make_id_number(seq=62),
    )
    moving_number = make_id_number(dt.date(1966, 6, 6), seq=63)
    moving = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="钱德明",
        birth=dt.date(1966, 6, 6),
        id_number=moving_number,
    )
    make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b")

    # The clerk edits an approved file: the change waits, the approved data stays
    log_in(page, "clerk_a")
    page.goto(f"/registry/recipients/{approved.pk}/")
    page.locator("#tab-basic").get_by_role("link", name="编辑").click()
    expect(page.locator(".notice")).to_contain_text("此处的修改将形成变更申请")
    page.get_by_label("现居住地址").fill("村A 幸福路 8 号")
    page.get_by_label("空巢/独居").check()
    page.get_by_role("button", name="记入变更申请").click()
    change = page.locator("#change")
    expect(change).to_contain_text("村A 幸福路 8 号")
    expect(change).to_contain_text("空巢/独居")
    page.get_by_label("变更原因").fill("搬家，独居")
    page.get_by_role("button", name="提交变更审核").click()
    expect(page.locator("ul.messages")).to_contain_text("变更已提交审核，待乡镇（街道）审核。")
    page.locator("#change").scroll_into_view_if_needed()
    page.shot("01-change-submitted")

    # The clerk asks for 钱德明's file, filed in village B, by trying to file him
    open_nav(page, "新建档案")
    page.get_by_label("公民身份号码").fill(moving_number)
    page.get_by_label("姓名").fill("钱德明")
    page.get_by_role("button", name="建立档案（草稿）").click()
    expect(page.locator(".field.has-error .errorlist")).to_have_text(
        "已在“村B退役军人服务站”建档。"
    )
    expect(page.locator(".duplicate")).to_contain_text("请在下方申请档案转移")
    offer = page.locator("#transfer-offer")
    offer.get_by_label("迁移原因").fill("户籍迁入村A，已办理户口迁移")
    page.shot("02-duplicate-offers-transfer")
    offer.get_by_role("button", name="提交转移申请").click()
    expect(page.locator("#incoming")).to_contain_text("钱德明")
    expect(page.locator("#incoming")).to_contain_text("待审批")
    page.shot("03-transfer-requested")
    assert page.js_errors == []
    log_out(page)

    # The head of village B decides it
    log_in(page, "head_b")
    open_nav(page, "档案转移")
    item = page.locator("#to-decide .transfer-item")
    expect(item).to_contain_text("钱德明")
    page.shot("04-to-decide")
    item.get_by_role("button", name="同意转移").click()
    expect(page.locator("ul.messages")).to_contain_text("钱德明 的档案已转至")
    assert page.js_errors == []
    moving.refresh_from_db()
    assert moving.region_key == tree.regions.village_a.key
