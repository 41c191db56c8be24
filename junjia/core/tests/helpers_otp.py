"""Test helper: log a staff user in with an OTP-verified session (三员 need a second factor)."""

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_otp_verified(client, user) -> TOTPDevice:
    """Force-log-in `user` past every security gate and return the TOTP device the session
    counts as verified: the password is marked fresh (no forced change, not expired) and the
    session carries the device's persistent id, which is how OTPMiddleware decides
    user.is_verified()."""
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试动态口令", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
