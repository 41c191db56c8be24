"""The audit trail: append-only at the database, sealed in a keyed chain, verified."""

import pytest
from django.db import DatabaseError, connection, transaction

from junjia.core import audit, db_guard
from junjia.core.models import AuditAction, AuditEntry, AuditSeal
from junjia.orgs import services
from junjia.orgs.models import Region

pytestmark = pytest.mark.django_db


def _entries(n=3):
    return [
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="t.x",
            object_id=str(i),
            changes={"v": [None, i]},
        )
        for i in range(n)
    ]


def _set_triggers(enabled: bool):
    """Test-only: the owner switches the guard off to simulate tampering behind the app."""
    db_guard.set_enforced(connection, enabled)


def test_update_of_an_audit_row_is_refused_by_the_database():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_name="someone else")
    entry.refresh_from_db()
    assert entry.actor_name == "系统"


def test_delete_of_an_audit_row_is_refused_by_the_database():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_cannot_change_the_log_either():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql():
    _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditentry")


def test_seals_are_append_only_too():
    _entries(2)
    audit.seal_pending()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditSeal.objects.update(chain_hash="0" * 64)


def test_sealing_is_idempotent_and_verification_passes():
    _entries(5)
    assert audit.seal_pending() == 5
    assert audit.seal_pending() == 0
    report = audit.verify_chain()
    assert report.ok
    assert report.checked == 5


def test_verification_names_the_first_tampered_row():
    entries = _entries(5)
    audit.seal_pending()
    _set_triggers(False)
    try:
        AuditEntry.objects.filter(pk=entries[2].pk).update(object_repr="篡改")
        AuditEntry.objects.filter(pk=entries[4].pk).update(object_repr="篡改")
    finally:
        _set_triggers(True)
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_entry_id == entries[2].pk
    assert "被篡改" in report.reason


def test_verification_names_a_deleted_row():
    entries = _entries(4)
    audit.seal_pending()
    _set_triggers(False)
    try:
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    finally:
        _set_triggers(True)
    report = audit.verify_chain()
    assert report.first_broken_entry_id == entries[1].pk
    assert "已被删除" in report.reason


def test_chain_continues_across_sealing_runs():
    _entries(3)
    audit.seal_pending()
    _entries(2)
    audit.seal_pending()
    assert list(AuditSeal.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert audit.verify_chain().ok


def test_operation_fails_when_its_audit_row_cannot_be_written(personas, tree, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("audit storage unavailable")

    monkeypatch.setattr(AuditEntry, "save", broken_save)
    with pytest.raises(DatabaseError):
        services.region_create(
            actor=personas.head_county, parent=tree.regions.town1, code="370202001009", name="新村"
        )
    assert not Region.objects.filter(code="370202001009").exists()


def test_changes_record_values_before_and_after(personas, tree):
    station = tree.stations.village_a
    services.station_update_profile(
        actor=personas.head_a,
        station=station,
        data={"phone": "0532-1234567", "filled_posts": 1, "authorised_posts": 2},
    )
    entry = AuditEntry.objects.filter(object_type="orgs.station", action="update").latest("id")
    assert entry.changes["phone"] == ["", "0532-1234567"]
    assert entry.changes["authorised_posts"] == [0, 2]
    assert entry.actor_name == "head_a"
    assert entry.region_key == station.region_key


def test_sealing_in_many_batches_gives_the_chain_one_batch_gives():
    """seal_pending looks only above its previous batch after the first: the chain must be
    the same as sealing everything at once, and verify from the canonical form of the
    stored rows (values, not model instances)."""
    entries = _entries(7)
    assert audit.seal_pending(batch_size=2) == 7
    seals = list(AuditSeal.objects.order_by("seq").values_list("entry_id", "chain_hash"))
    assert [entry_id for entry_id, _ in seals] == [e.pk for e in entries]
    previous = audit.GENESIS
    for entry, (_, chain) in zip(AuditEntry.objects.order_by("id"), seals, strict=True):
        previous = audit.chain_hash(previous, entry)
        assert chain == previous
    assert audit.verify_chain().ok


def test_an_entry_that_commits_below_sealed_ones_is_sealed_next_time():
    first = _entries(1)[0]

    def entry(pk: int) -> AuditEntry:
        row = audit.build(actor=None, action=AuditAction.CREATE, object_type="t.x")
        row.pk = pk
        row.save(force_insert=True)
        return row

    for pk in (first.pk + 11, first.pk + 12, first.pk + 13):
        entry(pk)
    assert audit.seal_pending(batch_size=2) == 4
    # A writer that drew its id before those and committed after they were sealed.
    late = entry(first.pk + 10)
    assert audit.seal_pending(batch_size=2) == 1
    assert AuditSeal.objects.get(entry_id=late.pk).seq == 5
    assert audit.verify_chain().ok
