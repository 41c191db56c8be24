"""服务事项 for staff (公开承诺制, 000 §7): the catalogue by area and level, an item's guide and
its versions, publishing a new version (a case keeps the version it was opened under); and
通知: my notifications, marking them read, the bell."""

from django.urls import reverse

from junjia.cases.models import Case, ServiceItem, ServiceItemVersion
from junjia.core.models import AuditAction, AuditEntry, Notification

from . import test_pages_work as base
from .test_pages_work import as_user, body, messages_of, new_case

frozen, work = base.frozen, base.work  # the shared fixtures


def publish_data(**overrides) -> dict:
    data = {
        "code": "preferential-card",
        "name": "优待证申领",
        "area": "preferential",
        "handling_levels": ["3", "4", "5"],
        "legal_basis": "《退役军人、其他优抚对象优待证管理办法（试行）》第五条",
        "conditions": "退役军人和烈士遗属等。",
        "procedure": "服务站受理\n县级审核\n\n制证发放",
        "time_limit_days": "15",
        "fee": "不收费",
        "complaint": "12345 政务服务便民热线",
        "mat-TOTAL_FORMS": "3",
        "mat-INITIAL_FORMS": "0",
        "mat-MIN_NUM_FORMS": "0",
        "mat-MAX_NUM_FORMS": "40",
        "mat-0-name": "居民身份证",
        "mat-0-form": "both",
        "mat-0-count": "1",
        "mat-0-note": "",
        "mat-1-name": "烈士证明书",
        "mat-1-form": "copy",
        "mat-1-count": "1",
        "mat-1-categories": ["martyr_family"],
        "mat-1-note": "烈士遗属提供",
        "mat-2-name": "",
        "mat-2-form": "both",
        "mat-2-count": "1",
    }
    data.update(overrides)
    return data


# --- the catalogue -------------------------------------------------------------------------


def test_the_catalogue_lists_the_items_by_area_with_what_my_level_handles(client, work):
    response = as_user(client, work.a).get(reverse("cases:catalogue"))

    assert response.status_code == 200
    groups = response.context["groups"]
    assert {"优待抚恤", "就业创业", "帮扶救助", "权益维护"} <= set(groups)
    assert response.context["count"] == ServiceItem.objects.count() >= 20
    card = next(i for i in groups["优待抚恤"] if i.code == "preferential-card")
    assessment = next(i for i in groups["优待抚恤"] if i.code == "disability-assessment")
    assert card.at_my_level and not assessment.at_my_level
    html = body(response)
    assert "承诺 20 个工作日 · 县级、乡镇（街道）、村（社区） · " in html
    assert "新增事项" not in html  # a clerk reads, the system administrator publishes


def test_the_catalogue_filters_by_level_and_hides_items_no_longer_in_use(client, work):
    ServiceItem.objects.filter(code="legal-aid").update(is_active=False)
    client = as_user(client, work.a)

    county = client.get(reverse("cases:catalogue"), {"level": "3"})
    bad = client.get(reverse("cases:catalogue"), {"level": "x9"})
    everything = client.get(reverse("cases:catalogue"), {"inactive": "1"})

    codes = {i.code for items in county.context["groups"].values() for i in items}
    assert "disability-assessment" in codes and "legal-aid" not in codes
    assert bad.status_code == 200 and bad.context["level"] is None
    assert "停用" in body(everything)


def test_an_item_s_guide_shows_what_is_publicly_promised(client, work):
    response = as_user(client, work.a).get(
        reverse("cases:catalogue_detail", args=["preferential-card"])
    )

    html = body(response)
    assert response.status_code == 200
    assert "《退役军人、其他优抚对象优待证管理办法（试行）》第五条、第八条" in html
    assert "<strong>20</strong> 个工作日（自受理之日起）" in html
    assert "原件及复印件" in html and "烈士遗属" in html and "所有申请人" in html
    assert "<li>县级服务中心审核</li>" in html
    assert "12345 政务服务便民热线" in html
    assert "按此事项接件" in html and "?item=preferential-card" in html
    assert "发布新版本" not in html
    assert "现行版本" in html


def test_an_item_outside_my_level_cannot_be_opened_from_its_guide(client, work):
    html = body(
        as_user(client, work.a).get(
            reverse("cases:catalogue_detail", args=["disability-assessment"])
        )
    )

    assert "按此事项接件" not in html


def test_an_unknown_item_is_not_found(client, work):
    client = as_user(client, work.a)

    assert client.get(reverse("cases:catalogue_detail", args=["no-such"])).status_code == 404
    assert (
        client.get(reverse("cases:catalogue_version", args=["preferential-card", 9])).status_code
        == 404
    )


def test_the_catalogue_needs_a_case_or_catalogue_capability(client, work):
    auditor = as_user(client, work.personas.auditor).get(reverse("cases:catalogue"))
    sysadmin = as_user(client, work.personas.sysadmin).get(reverse("cases:catalogue"))

    assert auditor.status_code == 403
    assert sysadmin.status_code == 200 and "新增事项" in body(sysadmin)


def test_publishing_a_new_version_keeps_open_cases_on_theirs(client, work):
    case = new_case(work.a)
    client = as_user(client, work.personas.sysadmin)

    form = client.get(reverse("cases:catalogue_publish", args=["preferential-card"]))
    response = client.post(
        reverse("cases:catalogue_publish", args=["preferential-card"]),
        publish_data(code="tampered"),
        follow=True,
    )

    html = body(form)
    assert "现行为第 1 版；发布后为第 2 版。" in html
    assert 'value="居民身份证"' in html and "已接件的办件仍按原版本办理" in html
    assert "已发布“优待证申领”第 2 版；此前已接件的办件仍按原版本办理。" in messages_of(response)
    item = ServiceItem.objects.get(code="preferential-card")
    version = item.current_version
    assert version.number == 2 and version.time_limit_days == 15
    assert version.procedure == ["服务站受理", "县级审核", "制证发放"]
    assert version.materials == [
        {"name": "居民身份证", "form": "both", "count": 1, "categories": [], "note": ""},
        {
            "name": "烈士证明书",
            "form": "copy",
            "count": 1,
            "categories": ["martyr_family"],
            "note": "烈士遗属提供",
        },
    ]
    assert not ServiceItem.objects.filter(code="tampered").exists()
    assert version.published_by == work.personas.sysadmin
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="cases.serviceitemversion", object_id=str(version.pk)
    ).exists()
    # The open case keeps version 1 and its 20 working days.
    assert Case.objects.get(pk=case.pk).item_version.number == 1
    detail = body(as_user(client, work.a).get(reverse("cases:case_detail", args=[case.pk])))
    assert "服务指南第 1 版" in detail and "承诺 20 个工作日" in detail
    old = body(client.get(reverse("cases:catalogue_version", args=["preferential-card", 1])))
    assert "历史版本" in old and "按此事项接件" not in old


def test_the_version_history_lists_every_version(client, work):
    from junjia.cases import services

    item = ServiceItem.objects.get(code="honour-plaque")
    v1 = item.current_version
    services.item_publish(
        actor=work.personas.sysadmin,
        item=item,
        code=item.code,
        name=item.name,
        area=item.area,
        handling_levels=item.handling_levels,
        content={
            "legal_basis": v1.legal_basis,
            "conditions": v1.conditions,
            "materials": v1.materials,
            "procedure": v1.procedure,
            "time_limit_days": 10,
            "fee": v1.fee,
            "complaint": v1.complaint,
        },
    )

    response = as_user(client, work.a).get(reverse("cases:catalogue_versions", args=[item.code]))

    html = body(response)
    assert [v.number for v in response.context["versions"]] == [2, 1]
    assert '第 2 版 <span class="badge ok">现行</span>' in html
    assert "系统初始化" in html  # version 1 came with the demo catalogue
    assert "10 个工作日" in html and "15 个工作日" in html


def test_a_new_item_is_created_and_its_code_must_be_new(client, work):
    client = as_user(client, work.personas.sysadmin)

    duplicate = client.post(reverse("cases:catalogue_new"), publish_data())
    created = client.post(
        reverse("cases:catalogue_new"),
        publish_data(code="veteran-card-copy", name="优待证信息更正", area="other"),
        follow=True,
    )

    assert "该事项编码已存在；要修改请在事项页面“发布新版本”。" in body(duplicate)
    item = ServiceItem.objects.get(code="veteran-card-copy")
    assert item.current_version.number == 1 and item.handling_levels == [3, 4, 5]
    assert created.redirect_chain[-1][0] == reverse("cases:catalogue_detail", args=[item.code])


def test_publishing_refuses_a_material_listed_twice_and_missing_fields(client, work):
    client = as_user(client, work.personas.sysadmin)

    twice = client.post(
        reverse("cases:catalogue_publish", args=["preferential-card"]),
        publish_data(**{"mat-1-name": "居民身份证"}),
    )
    empty = client.post(
        reverse("cases:catalogue_publish", args=["preferential-card"]),
        publish_data(legal_basis="", time_limit_days="0", handling_levels=[]),
    )

    assert "材料“居民身份证”重复，请合并为一行。" in body(twice)
    errors = empty.context["form"].errors
    assert {"legal_basis", "time_limit_days", "handling_levels"} <= set(errors)
    assert ServiceItemVersion.objects.filter(item__code="preferential-card").count() == 1


def test_only_the_system_administrator_publishes(client, work):
    for user in (work.a, work.head):
        client = as_user(client, user)
        assert client.get(reverse("cases:catalogue_new")).status_code == 403
        response = client.post(
            reverse("cases:catalogue_publish", args=["preferential-card"]), publish_data()
        )
        assert response.status_code == 403
    assert ServiceItemVersion.objects.filter(item__code="preferential-card").count() == 1


# --- notifications ------------------------------------------------------------------------


def test_my_notifications_are_listed_and_marked_read(client, work):
    first = Notification.objects.create(user=work.a, text="办件甲已超期", link="/cases/work/")
    Notification.objects.create(user=work.a, text="办件乙将于 12月03日 到期")
    Notification.objects.create(user=work.a2, text="李二的通知")
    client = as_user(client, work.a)

    page = client.get(reverse("cases:notifications"))
    bell = client.get(reverse("cases:notifications_bell"))
    one = client.post(reverse("cases:notifications"), {"ids": [str(first.pk)]}, follow=True)
    unread = client.get(reverse("cases:notifications"), {"show": "unread"})
    rest = client.post(reverse("cases:notifications"), follow=True)
    none = client.post(reverse("cases:notifications"), follow=True)

    html = body(page)
    assert "办件甲已超期" in html and "办件乙" in html and "李二的通知" not in html
    assert "全部标为已读（2）" in html
    assert 'aria-label="2 条未读"' in body(bell)
    assert "已将 1 条通知标为已读。" in messages_of(one)
    assert "办件甲已超期" not in body(unread) and "办件乙" in body(unread)
    assert "已将 1 条通知标为已读。" in messages_of(rest)
    assert "没有未读通知。" in messages_of(none)
    assert not Notification.objects.filter(user=work.a, read_at__isnull=True).exists()
    assert Notification.objects.get(user=work.a2).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_page_on_this_site(client, work):
    here = Notification.objects.create(user=work.a, text="办件", link="/cases/work/")
    away = Notification.objects.create(user=work.a, text="外链", link="https://evil.example/")
    sneaky = Notification.objects.create(user=work.a, text="外链", link="//evil.example/")
    others = Notification.objects.create(user=work.a2, text="李二的", link="/cases/work/")
    client = as_user(client, work.a)

    assert client.get(reverse("cases:notification_open", args=[here.pk]))["Location"] == (
        "/cases/work/"
    )
    for note in (away, sneaky):
        response = client.get(reverse("cases:notification_open", args=[note.pk]))
        assert response["Location"] == reverse("cases:notifications")
    assert client.get(reverse("cases:notification_open", args=[others.pk])).status_code == 404
    assert Notification.objects.filter(user=work.a, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=others.pk).read_at is None


def test_the_bell_shows_no_count_without_unread_notifications(client, work):
    html = body(as_user(client, work.a).get(reverse("cases:notifications_bell")))

    assert "通知" in html and "bell-count" not in html


def test_the_cases_root_leads_to_my_work(client, work):
    response = as_user(client, work.a).get("/cases/")

    assert response.status_code == 302 and response["Location"] == reverse("cases:work")
