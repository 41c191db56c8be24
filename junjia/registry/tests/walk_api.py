"""The registry's REST routes, classified for the permission walk (junjia/tests/
test_permission_walk.py): (kind, kwargs pointing at village B's objects, lists village B)."""

from junjia.registry.tests.walk_pages import (
    change_draft,
    change_submitted,
    empty,
    reviewed,
    submitted,
    write,
)


def _file_b(world) -> dict:
    return {"pk": world.recipient_b.pk}


def _draft_b(world) -> dict:
    """Village B's draft file (walk_pages.extend_world): the file workflow's object."""
    return {"pk": world.draft_b.pk}


ROUTES = {
    # Lists: scoped to the caller's jurisdiction. The review queue and the counts show no
    # approved file's name or number, so village B's marker never appears in them.
    "api:recipient-list": ("list", None, True),
    "api:recipient-review-queue": ("list", None, False),
    "api:recipient-counts": ("list", None, False),
    "api:transfer-list": ("list", None, True),
    # One file of village B: 404 for every method, POST-only actions included.
    "api:recipient-detail": ("object", _file_b),
    # the reveal's write is its audit entry, which the fingerprint leaves out; a clerk may
    # not reveal, village B's head (b_all) may
    "api:recipient-reveal": (
        "object",
        _file_b,
        True,
        write(lambda w: {"field": "id_number"}, actor=None, changes_db=False),
    ),
    # edits of an approved file open a change request
    "api:recipient-section": (
        "object",
        lambda w: {"pk": w.recipient_b.pk, "key": "basic"},
        True,
        write(lambda w: {"former_names": "乙某"}),
    ),
    "api:recipient-categories": (
        "object",
        _file_b,
        True,
        write(
            lambda w: {
                "items": [
                    {"category": "retired_soldier", "start_date": "2001-12-01"},
                    {"category": "transferred_cadre", "start_date": "2010-07-01"},
                ]
            }
        ),
    ),
    "api:recipient-honours": (
        "object",
        _file_b,
        True,
        write(
            lambda w: {
                "items": [{"kind": "third_class", "title": "三等功", "awarded_on": "2003-08-01"}]
            }
        ),
    ),
    "api:recipient-family": (
        "object",
        _file_b,
        True,
        write(lambda w: {"items": [{"name": "乙某妻", "relationship": "spouse"}]}),
    ),
    "api:recipient-plan": ("object", _file_b, True, write(lambda w: {"plan": "每月电话问候"})),
    "api:recipient-submit": ("object", _draft_b, True, write(empty)),
    "api:recipient-approve": ("object", _draft_b, True, reviewed(submitted, remark="材料齐全")),
    "api:recipient-return": (
        "object",
        _draft_b,
        True,
        reviewed(submitted, reason="缺少身份证复印件"),
    ),
    "api:recipient-withdraw": ("object", _draft_b, True, write(lambda w: {"reason": "重复建档"})),
    "api:recipient-change-submit": (
        "object",
        _file_b,
        True,
        write(lambda w: {"reason": "更新计划"}, prepare=change_draft),
    ),
    "api:recipient-change-approve": (
        "object",
        _file_b,
        True,
        reviewed(change_submitted, remark="同意变更"),
    ),
    "api:recipient-change-return": (
        "object",
        _file_b,
        True,
        reviewed(change_submitted, reason="计划不具体"),
    ),
    "api:recipient-change-withdraw": (
        "object",
        _file_b,
        True,
        write(empty, prepare=change_draft),
    ),
    # A transfer is decided by its sending side (or a level above it), never by village A:
    # here village B's head (b_all).
    "api:transfer-decide": (
        "object",
        lambda w: {"pk": w.transfer_b.pk},
        True,
        write(lambda w: {"approve": True, "remark": "同意迁出"}, actor=None),
    ),
}
