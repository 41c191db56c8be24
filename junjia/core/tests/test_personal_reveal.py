"""The reveal of one full number: the caller's kernel check first, the read next, and one audit
row in the same transaction; any refusal shows nothing and records nothing."""

import pytest

from junjia.core.errors import NotPermitted, WrongState
from junjia.core.models import AuditEntry
from junjia.core.personal import REVEAL_REFUSED, reveal

pytestmark = pytest.mark.django_db


def reveal_as(actor, obj, answer, read=lambda: "13912345678", **kw):
    asked = []

    def can(who, capability, target):
        asked.append((who, capability, target))
        return answer

    value = reveal(
        read, revealed="phone", actor=actor, capability="x.reveal", can=can, obj=obj, **kw
    )
    return value, asked


@pytest.mark.parametrize(
    ("answer", "message"), [(False, REVEAL_REFUSED), ("不在您的辖区内。", "不在您的辖区内。")]
)
def test_a_refusal_shows_nothing_and_records_nothing(personas, answer, message):
    read = []
    with pytest.raises(NotPermitted) as refused:
        reveal_as(personas.clerk_a, personas.clerk_b, answer, read=lambda: read.append(1))
    assert str(refused.value) == message
    assert read == []
    assert not AuditEntry.objects.exists()


def test_a_refusal_of_the_read_records_nothing(personas):
    def closed():
        raise WrongState("已关闭。")

    with pytest.raises(WrongState):
        reveal_as(personas.head_a, personas.clerk_a, True, read=closed)
    assert not AuditEntry.objects.exists()


def test_the_value_is_shown_once_the_check_says_yes_and_the_showing_is_audited(personas):
    value, asked = reveal_as(
        personas.head_a,
        personas.clerk_a,
        True,
        audit_obj=personas.clerk_b,
        subject_id="recipient:7",
        extra={"page": "callback"},
    )

    assert value == "13912345678"
    assert asked == [(personas.head_a, "x.reveal", personas.clerk_a)]
    row = AuditEntry.objects.get()
    assert (row.action, row.actor_id, row.object_id, row.subject_id) == (
        "view",
        personas.head_a.pk,
        str(personas.clerk_b.pk),
        "recipient:7",
    )
    assert row.extra == {"revealed": "phone", "page": "callback"}
