"""Public-side writes: book, cancel or move an appointment through the cases services, and
tell the person by SMS. A failed SMS never undoes a booking; the page shows the code too."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from junjia.cases import api as cases
from junjia.core import sms

log = logging.getLogger("junjia.portal")

WEEKDAYS = "一二三四五六日"


def when(slot) -> str:
    return (
        f"{slot.date.month}月{slot.date.day}日（星期{WEEKDAYS[slot.date.weekday()]}）"
        f"{slot.start:%H:%M}–{slot.end:%H:%M}"
    )


def _lookup_url() -> str:
    base = getattr(settings, "JUNJIA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("portal:appointment_lookup")


def _send(phone: str, text: str) -> None:
    def deliver():
        try:
            sms.send(phone, text)
        except Exception:
            log.exception("appointment sms failed")

    transaction.on_commit(deliver)


def appointment_book_public(*, slot, name: str, id_number: str, phone: str, item):
    """Book one place from the public page (no actor) and text the booking code."""
    appointment = cases.appointment_book(
        slot=slot, name=name, id_number=id_number, phone=phone, item=item, actor=None
    )
    station = slot.station
    _send(
        phone,
        f"【军之家】您已预约{station.name} {when(slot)}（{slot.get_kind_display()}），"
        f"预约码 {appointment.code}。请携带身份证按时办理。查询或取消：{_lookup_url()}",
    )
    return appointment


def appointment_cancel_public(*, appointment):
    appointment = cases.appointment_cancel(appointment=appointment, actor=None)
    _send(
        cases.appointment_phone(appointment),
        f"【军之家】您预约码为 {appointment.code} 的预约已取消。如非本人操作，请致电服务站。",
    )
    return appointment


def appointment_reschedule_public(*, appointment, slot):
    appointment = cases.appointment_reschedule(appointment=appointment, slot=slot, actor=None)
    _send(
        cases.appointment_phone(appointment),
        f"【军之家】您的预约（预约码 {appointment.code}）已改到 {when(slot)}"
        f"（{slot.get_kind_display()}）。如非本人操作，请致电服务站。",
    )
    return appointment
