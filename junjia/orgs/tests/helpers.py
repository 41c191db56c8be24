"""Test helpers for pages behind the security policy: log a user in past every gate."""

from types import SimpleNamespace

from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from junjia.core.tests.helpers_otp import login_otp_verified
from junjia.orgs.choices import Role
from junjia.orgs.middleware import needs_second_factor
from junjia.orgs.models import UserSession
from junjia.orgs.tests.factories import make_region, make_staff, make_station

PASSWORD = "Junjia-Test-2026!"  # the factories' password


def confirmed_totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="测试动态口令", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for this device."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def login_as(client, user, otp: bool = True):
    """Force-log-in `user` as if they had passed every step: password fresh (not expired,
    no forced change), the session recorded in UserSession, and — when their role needs a
    second factor and `otp` is true — a confirmed TOTP device verified in the session
    (junjia.core.tests.helpers_otp does that part). Returns the user."""
    if otp and needs_second_factor(user):
        login_otp_verified(client, user)
    else:
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["must_change_password", "password_changed_at"])
        client.force_login(user)
    UserSession.objects.get_or_create(
        session_key=client.session.session_key, defaults={"user": user}
    )
    return user


def make_world():
    """A small tree for the auth and security tests: 山东省 › 青岛市 › 市南区 and its
    neighbour 市北区, each with a station, and one person per role that matters here."""
    province = make_region("370000", "山东省")
    city = make_region("370200", "青岛市", province)
    county = make_region("370202", "市南区", city)
    neighbour = make_region("370203", "市北区", city)
    city_station = make_station(city)
    county_station = make_station(county)
    neighbour_station = make_station(neighbour)
    return SimpleNamespace(
        province=province,
        city=city,
        county=county,
        neighbour=neighbour,
        city_station=city_station,
        county_station=county_station,
        neighbour_station=neighbour_station,
        clerk=make_staff(county_station, Role.CLERK, username="clerk"),
        neighbour_clerk=make_staff(neighbour_station, Role.CLERK, username="clerk_b"),
        system_admin=make_staff(city_station, Role.SYSTEM_ADMIN, username="sysadmin"),
        security_admin=make_staff(county_station, Role.SECURITY_ADMIN, username="secadmin"),
        city_security_admin=make_staff(city_station, Role.SECURITY_ADMIN, username="secadmin_city"),
        audit_admin=make_staff(city_station, Role.AUDIT_ADMIN, username="auditadmin"),
    )


def api_token_key(user, *, name: str = "测试对接", days: int = 30) -> str:
    """The key of a fresh personal API token for `user`, written directly (no rule is asked,
    so tests can also hold one for an administrator and see it refused)."""
    from junjia.core import clock
    from junjia.orgs import token_services
    from junjia.orgs.models import ApiToken

    key = token_services.new_key()
    ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[: token_services.PREFIX_LENGTH],
        key_digest=token_services.digest(key),
        expires_on=clock.today() + timezone.timedelta(days=days),
    )
    return key
