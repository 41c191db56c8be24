"""Browser tests: Playwright drives Debian chromium through the foundation pages as a clerk
would — log in, change the first-login password, bind the second factor, open the region
tree, edit a station profile, create a staff account and grant it a role, read the audit
log, use a phone.

Screenshots are kept under test-artifacts/screenshots/ (see the root conftest's `page`)."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from junjia.core.models import AuditEntry
from junjia.orgs import services
from junjia.orgs.choices import Role
from junjia.orgs.models import Station, User
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import PASSWORD, confirmed_totp_device, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Qingdao-Shinan-2026#"
WEAK_PASSWORD = "abc12345"


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def change_password(page, old: str, new: str) -> None:
    page.get_by_label("原密码").fill(old)
    page.get_by_label("新密码", exact=False).first.fill(new)
    page.get_by_label("再次输入新密码").fill(new)
    page.get_by_role("button", name="修改密码").click()


def open_nav(page, label: str) -> None:
    page.locator("#sidenav").get_by_role("link", name=label, exact=True).click()


def code_from_secret(grouped_secret: str) -> str:
    """What an authenticator app computes from the key typed in by hand."""
    key = base64.b32decode("".join(grouped_secret.split()))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def test_first_login_forces_a_password_change_then_shows_the_home_page(page, tree):
    # Given a new village station head with the password the administrator handed over
    user = make_staff(
        tree.stations.village_a,
        Role.STATION_HEAD,
        username="zhangsan",
        full_name="张三",
        must_change_password=True,
    )

    # When they log in
    log_in(page, "zhangsan")

    # Then they are sent to the password change page, told why
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=(/|%2F)$"))
    expect(page.get_by_role("heading", name="修改密码", exact=True)).to_be_visible()
    expect(page.locator("p.msg.warning")).to_have_text("首次登录须先修改密码。")
    page.shot("01-password-change")

    # When they try a weak password, the page refuses it in Chinese
    change_password(page, PASSWORD, WEAK_PASSWORD)
    errors = page.locator(".field ul.errorlist")
    expect(errors).to_contain_text("密码至少需要 10 个字符。")
    expect(errors).to_contain_text("密码须至少包含大写字母、小写字母、数字、符号中的 3 类。")
    page.shot("02-weak-password-refused")
    user.refresh_from_db()
    assert user.must_change_password is True
    assert user.check_password(PASSWORD)

    # When they choose a good one
    change_password(page, PASSWORD, NEW_PASSWORD)

    # Then they land on the home page: their to-do list (nothing yet), their station and
    # jurisdiction
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.locator("ul.messages")).to_have_text("密码已修改。")
    expect(page.locator("#todo-empty")).to_have_text("目前没有待办事项。")
    card = page.locator("main .card", has_text="所属单位")
    expect(card).to_contain_text("村A退役军人服务站")
    expect(card).to_contain_text("辖区 山东省青岛市市南区甲街道村A（370202001001）")
    expect(page.locator(".topbar .station")).to_have_text("村A退役军人服务站")
    expect(page.locator(".topbar .juris")).to_have_text("辖区：村A及以下")
    page.shot("03-home")
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password(NEW_PASSWORD)
    assert page.js_errors == []


def test_county_head_browses_the_region_tree(page, personas, tree):
    # Given the county station head of 市南区
    log_in(page, "head_county")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # When they open 行政区划
    open_nav(page, "行政区划")

    # Then the tree starts at their county with its two townships
    tree_card = page.locator("#region-tree")
    expect(tree_card).to_contain_text("山东省青岛市市南区")
    expect(tree_card).to_contain_text("甲街道")
    expect(tree_card).to_contain_text("乙街道")
    expect(tree_card).not_to_contain_text("村A")
    page.shot("01-tree")

    # When they expand 甲街道, htmx loads its villages under it
    toggle = page.get_by_role("button", name="展开或收起 甲街道")
    toggle.click()
    town_item = page.locator("#region-tree li", has=toggle)
    subtree = town_item.locator(".subtree").first
    expect(subtree.get_by_role("link", name="村A")).to_be_visible()
    expect(subtree.get_by_role("link", name="村B")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("－")
    expect(tree_card).not_to_contain_text("村C")
    page.shot("02-expanded")

    # A second click folds the villages away again, a third shows them without reloading
    toggle.click()
    expect(subtree.get_by_role("link", name="村A")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(subtree.get_by_role("link", name="村A")).to_be_visible()

    # When they search outside their jurisdiction, nothing is found
    page.locator("#q").fill("村D")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#search-results")).to_contain_text("辖区内没有匹配“村D”的区划。")

    # When they search by name inside it
    page.locator("#q").fill("村C")
    page.get_by_role("button", name="查找").click()
    results = page.locator("#search-results")
    expect(results).to_contain_text("查找结果")
    expect(results.get_by_role("link")).to_have_text(["山东省青岛市市南区乙街道村C"])
    page.shot("03-search")

    # And open the result
    results.get_by_role("link", name="山东省青岛市市南区乙街道村C").click()
    expect(page).to_have_url(re.compile(r"/regions/370202002001/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("山东省青岛市市南区乙街道村C")
    expect(page.locator("dl.profile")).to_contain_text("370202002001")
    expect(page.locator("dl.profile").get_by_role("link", name="村C退役军人服务站")).to_be_visible()
    page.shot("04-region-detail")
    assert page.js_errors == []


def test_station_head_edits_the_station_profile_and_logs_out(page, personas, tree):
    station = tree.stations.village_a
    # Given the head of 村A's station, logged in
    log_in(page, "head_a")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # When they open their station profile from the station list
    open_nav(page, "服务中心（站）")
    expect(page.locator("table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="村A退役军人服务站").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("村A退役军人服务站")
    page.shot("01-profile")

    # And edit it: phone, 2 authorised posts of which 1 filled
    page.get_by_role("link", name="编辑站点信息").click()
    expect(page.get_by_role("heading", name="编辑站点信息")).to_be_visible()
    page.get_by_label("办公电话").fill("0532-8888 1234")
    page.get_by_label("核定编制数").fill("2")
    page.get_by_label("在编在岗人数").fill("1")
    page.shot("02-edit")
    page.get_by_role("button", name="保存").click()

    # Then the profile shows the success message, the new values and flags the fill rate
    expect(page).to_have_url(re.compile(rf"/stations/{station.pk}/$"))
    expect(page.locator("ul.messages")).to_have_text("站点信息已保存。")
    profile = page.locator("dl.profile")
    expect(profile).to_contain_text("0532-8888 1234")
    expect(profile).to_contain_text("2 / 1")
    expect(profile.locator(".badge.bad")).to_have_text("50% 未达标")
    page.shot("03-saved")
    station = Station.objects.get(pk=station.pk)
    assert (station.phone, station.authorised_posts, station.filled_posts) == (
        "0532-8888 1234",
        2,
        1,
    )

    # When they log out with the button in the top bar
    page.locator(".topbar").get_by_role("button", name="退出", exact=True).click()

    # Then they are on the log-in page, and the staff pages are closed to them
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator(".topbar .who")).to_have_count(0)
    page.shot("04-logged-out")
    page.goto(f"/stations/{station.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert page.js_errors == []


def test_system_admin_binds_totp_changes_password_and_creates_staff(page, tree):
    # Given a new system administrator of 青岛市 with no second factor yet
    admin = make_staff(
        tree.stations.city,
        Role.SYSTEM_ADMIN,
        username="admin_li",
        full_name="李管理",
        must_change_password=True,
    )

    # When they log in, they are sent to bind a TOTP authenticator first
    log_in(page, "admin_li")
    expect(page).to_have_url(re.compile(r"/accounts/otp/setup/\?next=(/|%2F)$"))
    expect(page.locator(".otp-qr svg")).to_be_visible()
    secret = page.locator(".otp-secret").inner_text()
    page.shot("01-otp-setup")

    # And they type the code their app computes from the key shown
    page.get_by_label("动态口令").fill(code_from_secret(secret))
    page.get_by_role("button", name="确认绑定").click()

    # Then, the second factor bound, they must still change the password
    expect(page).to_have_url(re.compile(r"/accounts/password/\?next=(/|%2F)$"))
    expect(page.locator("ul.messages")).to_have_text("动态口令已绑定，以后每次登录都须输入。")
    page.shot("02-password-change")
    change_password(page, PASSWORD, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # When they create a staff account from 工作人员 → 新增
    open_nav(page, "工作人员")
    page.get_by_role("link", name="新增工作人员").click()
    expect(page.get_by_role("heading", name="新增工作人员")).to_be_visible()
    page.get_by_label("用户名").fill("wangwu")
    page.get_by_label("姓名").fill("王五")
    page.get_by_label("办公电话").fill("0532-1234 5678")
    page.get_by_label("所属中心（站）").select_option(label="村B退役军人服务站")
    # 三员分立: the system administrator's form has no roles; the security administrator grants
    expect(page.get_by_label("经办人")).to_have_count(0)
    page.shot("03-staff-form")
    page.get_by_role("button", name="保存").click()

    # Then the one-time password is shown once, and the account must change it
    expect(page.get_by_role("heading", name="账号已创建")).to_be_visible()
    one_time = page.locator("#one-time-password").inner_text()
    expect(page.locator("#awaiting-roles")).to_contain_text("该账号尚无角色（待授权）")
    page.shot("04-one-time-password")
    created = User.objects.get(username="wangwu")
    assert (created.full_name, created.station_id, sorted(created.role_codes)) == (
        "王五",
        tree.stations.village_b.pk,
        [],
    )
    assert created.must_change_password is True
    assert created.check_password(one_time)
    admin.refresh_from_db()
    assert admin.must_change_password is False
    assert page.js_errors == []


def test_security_admin_grants_a_role_to_the_account_the_system_admin_created(page, personas, tree):
    # Given an account the system administrator created: it holds no role yet
    newcomer, _ = services.staff_create(
        actor=personas.sysadmin,
        station=tree.stations.village_b,
        username="zhaoliu",
        full_name="赵六",
        office_phone="",
    )
    # And the security administrator with a bound authenticator logs in
    device = confirmed_totp_device(personas.secadmin)
    log_in(page, "secadmin")
    page.get_by_label("动态口令").fill(current_code(device))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # When they list the accounts awaiting roles
    open_nav(page, "工作人员")
    expect(page.get_by_role("link", name="新增工作人员")).to_have_count(0)
    page.get_by_label("角色").select_option(label="待授权（尚无角色）")
    page.get_by_role("button", name="筛选").click()
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("赵六")
    expect(row).to_contain_text("待授权")
    page.shot("01-awaiting-roles")

    # And try to make the newcomer both a system administrator and a clerk
    page.get_by_role("link", name="赵六").click()
    expect(page.get_by_text("尚无角色，须由安全管理员授予。")).to_be_visible()
    expect(page.get_by_role("button", name="停用账号")).to_have_count(0)
    page.get_by_role("link", name="授予角色").click()
    page.get_by_label("系统管理员").check()
    page.get_by_label("经办人").check()
    page.get_by_role("button", name="保存").click()

    # Then the page refuses it in Chinese, and the refusal is audited
    expect(page.locator(".field ul.errorlist")).to_contain_text(
        "管理员角色（系统管理员、安全管理员、审计管理员）不能与"
    )
    page.shot("02-mixed-roles-refused")
    assert newcomer.role_codes == frozenset()
    assert AuditEntry.objects.filter(action="security.refused", actor_name="secadmin").exists()

    # When they grant the clerk's role alone
    page.get_by_label("系统管理员").uncheck()
    page.get_by_role("button", name="保存").click()

    # Then the person page shows it, and the newcomer is no longer awaiting roles
    expect(page.locator("ul.messages")).to_have_text("角色已保存。")
    expect(page.locator("dl.profile")).to_contain_text("经办人")
    page.shot("03-role-granted")
    assert User.objects.get(pk=newcomer.pk).role_codes == frozenset({Role.CLERK})
    # The refused save answered 400, which the browser logs; nothing else went wrong.
    assert page.js_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


def test_phone_menu_opens_the_navigation_and_the_station_list_scrolls(page, personas, tree):
    # Given a phone-sized screen and the county head logged in
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "head_county")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    nav = page.locator("#sidenav")
    toggle = page.get_by_role("button", name="☰ 菜单")
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.shot("01-home-phone")

    # When they tap the menu button, the side navigation opens
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.shot("02-menu-open")

    # And from it they reach the station list
    nav.get_by_role("link", name="服务中心（站）").click()
    expect(page.get_by_role("heading", name="服务中心（站）")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(6)  # 市南区, 甲街道, 村A, 村B, 乙街道, 村C
    page.shot("03-station-list-phone")

    # Then the page itself does not scroll sideways; only the table may
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390
    wrap_box = page.locator(".table-wrap").bounding_box()
    assert wrap_box["x"] >= 0 and wrap_box["x"] + wrap_box["width"] <= 390
    # The first link in the table is visible and can be opened with a tap
    page.get_by_role("link", name="村A退役军人服务站").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("村A退役军人服务站")
    page.shot("04-station-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []


def test_audit_admin_filters_the_audit_log_by_username(page, personas, tree):
    # Given some recorded actions: head_a and head_county each change a station
    services.station_update_profile(
        actor=personas.head_a, station=tree.stations.village_a, data={"phone": "0532-1111"}
    )
    services.station_update_profile(
        actor=personas.head_county, station=tree.stations.town2, data={"phone": "0532-2222"}
    )
    # And the audit administrator with a bound authenticator
    device = confirmed_totp_device(personas.auditor)

    # When they log in, they must give the current code
    log_in(page, "auditor")
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/\?next=(/|%2F)$"))
    page.shot("01-otp-verify")
    page.get_by_label("动态口令").fill(current_code(device))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # And open 审计日志
    open_nav(page, "审计日志")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    actors = page.locator("table tbody tr td:nth-child(2)")
    expect(actors.filter(has_text="head_county")).not_to_have_count(0)
    page.shot("02-audit-log")

    # When they filter by the user name head_a
    page.get_by_label("操作人（用户名）").fill("head_a")
    page.get_by_role("button", name="查询").click()

    # Then only head_a's entries are listed, the station change among them
    expect(page).to_have_url(re.compile(r"[?&]actor=head_a(&|$)"))
    expected = AuditEntry.objects.filter(actor_name="head_a").count()
    assert expected == 1
    expect(actors).to_have_text(["head_a"] * expected)
    expect(page.locator("table tbody")).to_contain_text("0532-1111")
    expect(page.locator("table tbody")).not_to_contain_text("0532-2222")
    page.shot("03-audit-filtered")
    assert page.js_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_otp_setup_qr_code_is_whole_and_inside_its_card(page, tree, width):
    # Given a new security administrator on a desktop or a phone screen
    make_staff(tree.stations.city, Role.SECURITY_ADMIN, username="sec_new")
    page.set_viewport_size({"width": width, "height": 900})

    # When they reach the binding page
    log_in(page, "sec_new")
    expect(page).to_have_url(re.compile(r"/accounts/otp/setup/"))
    qr = page.locator(".otp-qr svg")
    expect(qr).to_be_visible()
    page.shot(f"qr-{width}")

    # Then the whole QR code lies inside its card, and nothing covers its corners
    card = page.locator(".card", has=qr).bounding_box()
    box = qr.bounding_box()
    assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
    corners_on_qr = page.evaluate(
        """(svg) => {
            svg.scrollIntoView({block: "center"});
            const r = svg.getBoundingClientRect();
            return [[r.left + 2, r.top + 2], [r.right - 2, r.top + 2],
                    [r.left + 2, r.bottom - 2], [r.right - 2, r.bottom - 2]]
              .map(([x, y]) => svg.contains(document.elementFromPoint(x, y)));
        }""",
        qr.element_handle(),
    )
    assert corners_on_qr == [True, True, True, True]
    assert page.js_errors == []


def test_clerk_creates_an_api_token_copies_it_once_and_revokes_it(page, personas, tree):
    import datetime as dt

    from junjia.core import clock
    from junjia.orgs.models import ApiToken

    month_on = (clock.today() + dt.timedelta(days=30)).isoformat()
    # Given 村A's clerk, logged in, on their API token page from the top bar
    log_in(page, "clerk_a")
    page.locator(".topbar").get_by_role("link", name="接口令牌").click()
    expect(page.get_by_role("heading", name="接口令牌", level=1)).to_be_visible()
    expect(page.get_by_text("还没有令牌。")).to_be_visible()

    # When they create a token for the district's system, valid for a month
    page.get_by_label("用途").fill("区对接系统")
    expiry = page.get_by_label("有效期至")
    expiry.fill(month_on)
    page.get_by_role("button", name="创建令牌").click()

    # Then the key is shown once, with the hint to copy it now, and listed by its prefix
    expect(page.locator("ul.messages")).to_have_text("接口令牌已创建。")
    expect(page.get_by_text("令牌只显示这一次")).to_be_visible()
    key = page.get_by_label("新令牌").input_value()
    token = ApiToken.objects.get()
    assert key.startswith(token.prefix) and token.key_digest != key
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("区对接系统")
    expect(row).to_contain_text(token.prefix)
    expect(row).to_contain_text(month_on)
    expect(row).to_contain_text("有效")
    page.shot("01-created")

    # When they come back to the page the key is gone (it was in the answer to the POST only)
    page.locator(".topbar").get_by_role("link", name="接口令牌").click()
    expect(page.get_by_label("新令牌")).to_have_count(0)

    # When they revoke it and confirm
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="撤销").click()

    # Then it is listed as revoked, with no button left
    expect(page.locator("ul.messages")).to_have_text("接口令牌“区对接系统”已撤销。")
    expect(row).to_contain_text("已撤销")
    expect(row.get_by_role("button", name="撤销")).to_have_count(0)
    page.shot("02-revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert page.js_errors == []
