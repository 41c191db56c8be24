"""The bodies of the permission walk's writes that are not on one of village B's objects:
creation forms and lists that take a POST, capability-gated pages, one's own account, and
the public pages. Route name → what the walk sends (Route fields of test_permission_walk):

- body: world -> the data that succeeds for the writer, made from the form or serializer
  the route declares (fill, posted, shown), so a renamed or new required field fails by name;
- actor: world -> the writer (default village B's b_all; public pages: a visitor);
- capability: the capability the write needs — village B's staff of each role without it
  are refused;
- outsiders: world -> village A's staff refused the write because the body names village
  B's objects (default for list routes: A's clerk and A's staff holding every capability;
  none for the rest);
- prepare, enter, refusal, shows, changes_db: as documented on Route; kwargs replaces the
  classification's (a public page's link, which no other test requests).

Bodies of writes on one of village B's objects stay with their routes in the apps'
walk_*.py modules."""

import datetime as dt

from junjia.tests.walk_support import fill, posted, shown, xlsx


def _clerk_b(world):
    """Village B's clerk: handles B's cases, collects B's files, has B's notification."""
    return world.staff_b


def _nobody(world) -> list:
    """A write within the writer's own jurisdiction: village A's staff would write their own."""
    return []


def _visitor(world):
    """Public pages: a visitor, not logged in."""
    return None


def _id_number(seq: int) -> str:
    from junjia.registry.tests.factories import make_id_number

    return make_id_number(dt.date(1978, 8, 1), seq=seq)


def _working_day(days_ahead: int) -> dt.date:
    from junjia.core import clock
    from junjia.core.workdays.calendar import next_working_day

    return next_working_day(clock.today() + dt.timedelta(days=days_ahead))


def _station_b(world) -> dict:
    """The station picker of the rota and appointment pages, set to village B's station."""
    return {"station": world.station_b.pk}


# --- cases ---------------------------------------------------------------------------------

ITEM = "employment-register"  # handled at village level; B has no case of 乙某某's for it


def _case_open_api(world) -> dict:
    from junjia.cases.rest.cases import CaseOpenIn

    return fill(CaseOpenIn, {"item": ITEM, "channel": "window", "recipient": world.recipient_b.pk})


def _case_open_page(world) -> dict:
    from junjia.cases.forms import CaseOpenForm

    values = {"item": ITEM, "channel": "window", "recipient": world.recipient_b.pk}
    return {"do": "open", **fill(CaseOpenForm, values)}


def _booking(world, seq: int, serializer: bool) -> dict:
    from junjia.cases.forms_rota import StaffBookingForm
    from junjia.cases.rest.appointments import AppointmentBookIn

    values = {
        "slot": world.rota_slot_b2.pk,
        "channel": "phone",
        "name": "乙代约人",
        "id_number": _id_number(seq),
        "phone": "13800000002",
    }
    return fill(AppointmentBookIn if serializer else StaffBookingForm, values)


def _paper_rating(world, serializer: bool) -> dict:
    from junjia.cases.forms_rota import PaperEvaluationForm
    from junjia.cases.rest.evaluations import PaperEvaluationIn

    values = {"case_number": world.rota_case_unrated_b.number, "score": 5, "comment": "态度很好"}
    return fill(PaperEvaluationIn if serializer else PaperEvaluationForm, values)


def _window(world) -> dict:
    from junjia.staffing.forms import WindowForm

    values = {"name": "B 优抚窗口", "primary": world.staff_b.pk, "backup": world.rota_clerk_b2.pk}
    return _station_b(world) | fill(WindowForm, values)


def _leave(world) -> dict:
    """B's head records leave for B's clerk, after the leave B's clerk already has."""
    from junjia.staffing.forms import LeaveForm

    values = {
        "user": world.staff_b.pk,
        "start_date": _working_day(10),
        "end_date": _working_day(11),
        "reason": "年休假",
    }
    return fill(LeaveForm, values)


def _lunch(world) -> dict:
    from junjia.staffing.forms import LunchDutyForm

    values = {"day": _working_day(1), "user": world.staff_b.pk}
    return _station_b(world) | fill(LunchDutyForm, values)


def _slots(world) -> dict:
    from junjia.cases.choices import SlotKind
    from junjia.cases.forms_rota import SlotForm

    values = {
        "day": _working_day(5),
        "start": "14:00",
        "end": "15:00",
        "kind": SlotKind.WORKDAY,
        "capacity": 2,
        "days": 1,
    }
    return _station_b(world) | fill(SlotForm, values)


def _catalogue_new(world) -> dict:
    from django.urls import reverse

    from junjia.cases.choices import Area
    from junjia.orgs.choices import Level

    return shown(
        world.b_all,
        reverse("cases:catalogue_new"),
        ("form", "formset"),
        code="walk-new-item",
        name="退役军人走访慰问登记",
        area=Area.HONOURS,
        handling_levels=[Level.VILLAGE],
        legal_basis="《退役军人保障法》",
        conditions="本辖区退役军人",
        procedure="登记\n走访",
        time_limit_days=5,
        complaint="12345",
        **{"mat-0-name": "居民身份证", "mat-0-count": 1},
    )


def _catalogue_publish(world) -> dict:
    from django.urls import reverse

    url = reverse("cases:catalogue_publish", kwargs={"code": "preferential-card"})
    return shown(world.b_all, url, ("form", "formset"), complaint="12345（修订）")


def _prepare_catalogue(world, key: str, make) -> None:
    """Bodies read off the page are read while preparing (reading logs in, which writes)."""
    setattr(world, key, make(world))


# --- registry ------------------------------------------------------------------------------


def _recipient_page(world) -> dict:
    from junjia.registry.forms import RecipientCreateForm

    values = {"id_number": _id_number(801), "name": "戊新档", "phone": "13800000008"}
    return {"household": world.region_b.code, **fill(RecipientCreateForm, values)}


def _recipient_api(world) -> dict:
    from junjia.registry.rest.serializers import RecipientCreateIn

    values = {
        "household_region": world.region_b.code,
        "id_number": _id_number(802),
        "name": "戊新档",
        "phone": "13800000008",
    }
    return fill(RecipientCreateIn, values)


def _held_elsewhere(world) -> None:
    """A file held at village C, whose person moves to village B: B asks for it."""
    from junjia.registry.tests.factories import make_recipient

    world.walk_moving_id = _id_number(803)
    make_recipient(
        world.tree.regions.village_c,
        created_by=world.personas.head_county,
        name="己迁入",
        id_number=world.walk_moving_id,
    )


def _transfer(world, serializer: bool) -> dict:
    from junjia.registry.forms import TransferRequestForm
    from junjia.registry.rest.serializers import TransferCreateIn

    values = {"id_number": world.walk_moving_id, "reason": "户籍迁入村B"}
    if serializer:
        return fill(TransferCreateIn, {**values, "to_region": world.region_b.code})
    return {"to_region": world.region_b.code, **fill(TransferRequestForm, values)}


def _import_workbook(world):
    from junjia.registry.tests.test_imports import BASIC, person, workbook

    data = workbook({BASIC: [person(_id_number(804), "庚导入", region=world.region_b.code)]})
    return xlsx("名单.xlsx", data)


def _import_upload(world) -> dict:
    from junjia.registry.views.excel import UploadForm

    return fill(UploadForm, {"file": _import_workbook(world)})


def _uploaded(world, url_name: str, actor, file, key: str) -> None:
    """The writer's own upload, previewed: its signed token is what the confirm step takes."""
    from django.test import Client
    from django.urls import reverse

    from junjia.orgs.tests.helpers import login_as

    client = Client()
    login_as(client, actor)
    response = client.post(reverse(url_name), {"file": file})
    assert response.status_code == 200, (url_name, response.content[:600])
    confirm = response.context["confirm"]
    setattr(world, key, confirm.initial["token"])


def _import_confirm(world) -> dict:
    from junjia.registry.views.excel import ConfirmForm

    return fill(ConfirmForm, {"token": world.walk_import_token, "mode": "valid_only"})


def _ledger(world) -> dict:
    from junjia.registry.forms import LedgerForm

    return fill(LedgerForm, {"name": "退役士兵台账"})


def _export(world) -> dict:
    from junjia.registry.views.excel import ExportForm

    return fill(ExportForm, {"full": "on"})


# --- orgs, security, calendar ----------------------------------------------------------------

NEW_VILLAGE = ("370202001009", "甲九村", "370202001000")  # under 甲街道, in 市南区


def _regions_workbook():
    from junjia.orgs.tests.test_imports import workbook

    return xlsx("区划.xlsx", workbook([NEW_VILLAGE]))


def _region_uploaded(world) -> None:
    county = world.personas.head_county
    _uploaded(world, "orgs:region_import", county, _regions_workbook(), "walk_region_token")


def _region_confirm(world) -> dict:
    from junjia.orgs.forms import RegionImportConfirmForm

    return fill(RegionImportConfirmForm, {"token": world.walk_region_token, "mode": "valid_only"})


def _staff(world) -> dict:
    """The account at village B's station; its roles are the security administrator's."""
    from junjia.orgs.forms import StaffForm

    values = {"username": "b_new_clerk", "full_name": "乙新办事员", "station": world.station_b.pk}
    return fill(StaffForm, values)


def _locked_out(world) -> None:
    """Village B's clerk locked out by failed log-ins (as django-axes records them)."""
    from django.test import Client
    from django.urls import reverse

    from junjia.orgs.models import SecurityPolicy

    for _ in range(SecurityPolicy.current().lockout_failures):
        Client().post(reverse("login"), {"username": "clerk_b", "password": "Wrong-Password-1"})


def _policy(world) -> dict:
    from junjia.orgs.forms_auth import SecurityPolicyForm
    from junjia.orgs.models import SecurityPolicy

    policy = SecurityPolicy.current()
    return posted(SecurityPolicyForm(instance=policy), lockout_minutes=policy.lockout_minutes + 5)


def _free_year() -> int:
    from junjia.core.models import CalendarYear

    taken = set(CalendarYear.objects.values_list("year", flat=True))
    return min(y for y in range(2030, 2100) if y not in taken)


def _year(world) -> dict:
    from junjia.core.workdays.forms import CalendarYearForm

    year = world.walk_year
    values = {
        "year": year,
        "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "schedule": f"{year}-10-01 休 国庆节",
    }
    return fill(CalendarYearForm, values)


def _admin_year(world) -> None:
    """2026 entered by an administrator (a year from the package is read-only); the edit
    page then shows its schedule, posted back with a revised notice."""
    from django.urls import reverse

    from junjia.core.models import CalendarSource, CalendarYear

    CalendarYear.objects.filter(year=2026).update(source=CalendarSource.ADMIN)
    url = reverse("workdays:year_edit", kwargs={"year": 2026})
    body = shown(world.b_all, url, notice="国务院办公厅关于2026年部分节假日安排的通知（修订）")
    # The walk's 2026 has no holidays entered: the edit enters one.
    body.setdefault("schedule", "2026-10-01 休 国庆节")
    world.walk_year_body = body


# --- one's own account --------------------------------------------------------------------

NEW_PASSWORD = "Walk-Junjia-2027!x"


def _password(world) -> dict:
    from junjia.orgs.forms_auth import PasswordChangeForm
    from junjia.orgs.tests.helpers import PASSWORD

    values = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    return fill(PasswordChangeForm, values)


def _api_token(world) -> dict:
    from junjia.core import clock

    return {"name": "村B 对接", "expires_on": (clock.today() + dt.timedelta(days=30)).isoformat()}


def _password_only(client, actor, world) -> None:
    """Logged in with the password; the second factor not yet given."""
    from junjia.orgs.tests.helpers import login_as

    login_as(client, actor, otp=False)


def _new_admin(world) -> None:
    """A security administrator of village B binding their first authenticator."""
    from junjia.orgs import auth_services
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff

    world.walk_otp_user = make_staff(world.station_b, Role.SECURITY_ADMIN, username="b_sec_new")
    auth_services.otp_device_begin(actor=world.walk_otp_user)


def _bound_admin(world) -> None:
    """A security administrator of village B with a bound authenticator."""
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff
    from junjia.orgs.tests.helpers import confirmed_totp_device

    world.walk_otp_user = make_staff(world.station_b, Role.SECURITY_ADMIN, username="b_sec_2fa")
    confirmed_totp_device(world.walk_otp_user)


def _otp_code(world) -> dict:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from junjia.orgs.forms_auth import TokenForm
    from junjia.orgs.tests.helpers import current_code

    device = TOTPDevice.objects.get(user=world.walk_otp_user)
    return fill(TokenForm, {"token": current_code(device)})


# --- public pages ---------------------------------------------------------------------------


def _public_booking(world) -> dict:
    from junjia.portal.forms import BookingForm

    values = {
        "slot": world.rota_slot_b2.pk,
        "name": "乙公众",
        "id_number": _id_number(805),
        "phone": "13800000005",
    }
    return fill(BookingForm, values)


def _lookup(world) -> dict:
    from junjia.portal.forms import LookupForm

    # the booking of world.rota_appointment_b (walk_rota.extend_world)
    values = {"code": world.rota_appointment_b.code, "id_number": "11010519491231002X"}
    return fill(LookupForm, values)


def _looked_up(client, actor, world) -> None:
    """The visitor proved the booking code and identity number first."""
    from django.urls import reverse

    response = client.post(reverse("portal:appointment_lookup"), _lookup(world))
    assert response.status_code == 302, response.content[:600]


def _rating(world) -> dict:
    from junjia.portal.forms import RatingForm

    return fill(RatingForm, {"score": 5, "comment": "办事很快"})


def _rating_link(world) -> dict:
    from junjia.cases.services import rating_token

    return {"token": rating_token(world.rota_case_unrated_b)}


def _progress_case(world) -> None:
    """Village B's completed case, numbered as the notices print it and holding its
    applicant's identity number, for the progress query (办件进度查询)."""
    from junjia.cases.models import CASE_APPLICANT_ID, Case

    case = world.rota_case_unrated_b
    world.walk_progress_number = f"{case.station.region.code}-20261201-0099"
    Case.objects.filter(pk=case.pk).update(
        number=world.walk_progress_number, **CASE_APPLICANT_ID.seal(_id_number(806))
    )


def _progress(world) -> dict:
    from junjia.portal.forms import ProgressForm

    values = {"case_number": world.walk_progress_number, "id_number": _id_number(806)}
    return fill(ProgressForm, values)


WRITES: dict[str, dict] = {
    # cases: opening, booking, rating, rota — each naming village B's station, slot, case
    # or people
    "api:case-list": {"body": _case_open_api, "actor": _clerk_b, "capability": "cases.handle"},
    "cases:case_open": {"body": _case_open_page, "actor": _clerk_b, "capability": "cases.handle"},
    "api:appointment-list": {
        "body": lambda w: _booking(w, 806, serializer=True),
        "actor": _clerk_b,
        "capability": "cases.appointments",
    },
    "cases:appointment_book": {
        "body": lambda w: _station_b(w) | _booking(w, 807, serializer=False),
        "actor": _clerk_b,
        "capability": "cases.appointments",
    },
    "api:evaluation-list": {
        "body": lambda w: _paper_rating(w, serializer=True),
        "actor": _clerk_b,
        "capability": "cases.handle",
    },
    "cases:evaluation_paper": {
        "body": lambda w: _paper_rating(w, serializer=False),
        "actor": _clerk_b,
        "capability": "cases.handle",
    },
    "cases:window_create": {"body": _window, "capability": "cases.rota"},
    # A's clerk may record only their own leave (the form then has no person to choose):
    # that is their own write, not one on village B. A's head cannot choose B's clerk.
    "cases:leave": {"body": _leave, "capability": "cases.leave", "outsiders": lambda w: w.mighty},
    # B's clerk may see the rota but not set it: the page says so above the grid
    "cases:lunch": {
        "body": _lunch,
        "capability": "cases.rota",
        "refusal": "您没有安排本站午间值班的权限。",
    },
    "cases:slots": {"body": _slots, "capability": "cases.appointments"},
    # the national catalogue: publishing needs cases.catalogue (a system administrator)
    "cases:catalogue_new": {
        "body": lambda w: w.walk_catalogue_body,
        "prepare": lambda w: _prepare_catalogue(w, "walk_catalogue_body", _catalogue_new),
        "capability": "cases.catalogue",
    },
    "cases:catalogue_publish": {
        "body": lambda w: w.walk_catalogue_body,
        "prepare": lambda w: _prepare_catalogue(w, "walk_catalogue_body", _catalogue_publish),
        "capability": "cases.catalogue",
    },
    # one's own notifications: A's staff naming B's notification mark nothing read
    "cases:notifications": {
        "body": lambda w: {"ids": [w.notification_b.pk]},
        "actor": _clerk_b,
        "outsiders": lambda w: [w.clerk_a, *w.mighty],
        "refusal": "没有未读通知。",
    },
    # registry: files and transfers in village B
    "registry:recipient_create": {
        "body": _recipient_page,
        "actor": _clerk_b,
        "capability": "registry.edit",
    },
    "api:recipient-list": {
        "body": _recipient_api,
        "actor": _clerk_b,
        "capability": "registry.edit",
    },
    "registry:transfer_new": {
        "body": lambda w: _transfer(w, serializer=False),
        "actor": _clerk_b,
        "prepare": _held_elsewhere,
        "capability": "registry.transfer",
    },
    "api:transfer-list": {
        "body": lambda w: _transfer(w, serializer=True),
        "actor": _clerk_b,
        "prepare": _held_elsewhere,
        "capability": "registry.transfer",
    },
    # the identity-number preview writes and reads nothing stored
    "registry:recipient_preview": {
        "body": lambda w: {"id_number": _id_number(809)},
        "actor": _clerk_b,
        "capability": "registry.edit",
        "changes_db": False,
        "shows": ("出生日期：<strong>1978-08-01</strong>",),
    },
    # one's own ledger, export and import: within one's own jurisdiction, so village A's
    # staff would write their own; refused to the roles without the capability
    "registry:ledger_save": {
        "body": _ledger,
        "actor": _clerk_b,
        "capability": "registry.view",
        "outsiders": _nobody,
    },
    # the full export (identity numbers and phones in clear): B's head; a clerk is refused
    "registry:export": {
        "body": _export,
        "capability": "registry.export_full",
        "outsiders": _nobody,
    },
    # the preview stores the upload (a file, not a row): its one row is to be imported
    "registry:import": {
        "body": _import_upload,
        "actor": _clerk_b,
        "capability": "registry.edit",
        "outsiders": _nobody,
        "shows": ('data-count="creates">1<', 'data-count="errors">0<'),
    },
    # the token is the writer's own upload: anyone else's confirm of it finds nothing
    "registry:import_confirm": {
        "body": _import_confirm,
        "actor": _clerk_b,
        "prepare": lambda w: _uploaded(
            w, "registry:import", w.staff_b, _import_workbook(w), "walk_import_token"
        ),
        "capability": "registry.edit",
    },
    # orgs: staff of village B's station; regions imported by the county
    "orgs:staff_create": {"body": _staff, "capability": "staff.manage"},
    "orgs:region_import": {
        "body": lambda w: {"file": _regions_workbook()},
        "actor": lambda w: w.personas.head_county,
        "capability": "region.manage",
        "shows": ("将新增 <strong>1</strong> 个", '错误 <strong class="">0</strong> 行'),
    },
    "orgs:region_import_confirm": {
        "body": _region_confirm,
        "actor": lambda w: w.personas.head_county,
        "prepare": lambda w: _uploaded(
            w,
            "orgs:region_import",
            w.personas.head_county,
            _regions_workbook(),
            "walk_region_token",
        ),
        "capability": "region.manage",
        "outsiders": lambda w: [w.clerk_a, *w.mighty],
    },
    # the route takes no data: checking the audit chain of one's own jurisdiction
    "orgs:audit_verify": {
        "body": lambda w: {},
        "actor": lambda w: w.personas.auditor,
        "capability": "audit.view",
    },
    "security:policy": {
        "body": _policy,
        "actor": lambda w: w.b_sec,
        "capability": "security.manage",
    },
    # A's security administrator may not unlock B's clerk (a message, nothing removed)
    "security:lockout_release": {
        "body": lambda w: {"username": "clerk_b"},
        "actor": lambda w: w.b_sec,
        "prepare": _locked_out,
        "capability": "security.manage",
        "outsiders": lambda w: [w.clerk_a, *w.mighty],
    },
    "workdays:year_create": {
        "body": _year,
        "prepare": lambda w: setattr(w, "walk_year", _free_year()),
        "capability": "calendar.manage",
    },
    "workdays:year_edit": {
        "body": lambda w: w.walk_year_body,
        "prepare": _admin_year,
        "capability": "calendar.manage",
    },
    # one's own account: refused to a visitor who is not logged in; the route takes no data
    "logout": {"body": lambda w: {}, "actor": _clerk_b},
    "password_change": {"body": _password, "actor": _clerk_b},
    "api_tokens": {"body": _api_token, "actor": _clerk_b},
    "api:me-tokens": {"body": _api_token, "actor": _clerk_b},
    "otp_setup": {
        "body": _otp_code,
        "actor": lambda w: w.walk_otp_user,
        "prepare": _new_admin,
        "enter": _password_only,
    },
    "otp_verify": {
        "body": _otp_code,
        "actor": lambda w: w.walk_otp_user,
        "prepare": _bound_admin,
        "enter": _password_only,
    },
    # public pages: any visitor may write; managing a booking needs its look-up first
    "portal:book": {"body": _public_booking, "actor": _visitor},
    # the look-up remembers the booking in the visitor's session only
    "portal:appointment_lookup": {
        "body": _lookup,
        "actor": _visitor,
        "changes_db": False,
        "shows": ("/public/appointment/manage/",),
    },
    "portal:appointment_manage": {
        "body": lambda w: {"action": "cancel"},
        "actor": _visitor,
        "enter": _looked_up,
        "refusal": "请先输入预约码和身份证号码。",
    },
    "portal:rate": {"body": _rating, "actor": _visitor, "kwargs": _rating_link},
    # the progress query reads only: a case's status and dated steps
    "portal:case_progress": {
        "body": _progress,
        "actor": _visitor,
        "prepare": _progress_case,
        "changes_db": False,
        "shows": ("已办结",),
    },
}
