"""The registry's REST routes, classified for the permission walk (junjia/tests/
test_permission_walk.py): (kind, kwargs pointing at village B's objects, lists village B)."""


def _file_b(world) -> dict:
    return {"pk": world.recipient_b.pk}


ROUTES = {
    # Lists: scoped to the caller's jurisdiction. The review queue and the counts show no
    # approved file's name or number, so village B's marker never appears in them.
    "api:recipient-list": ("list", None, True),
    "api:recipient-review-queue": ("list", None, False),
    "api:recipient-counts": ("list", None, False),
    "api:transfer-list": ("list", None, True),
    # One file of village B: 404 for every method, POST-only actions included.
    "api:recipient-detail": ("object", _file_b),
    "api:recipient-reveal": ("object", _file_b),
    "api:recipient-section": ("object", lambda w: {"pk": w.recipient_b.pk, "key": "basic"}),
    "api:recipient-categories": ("object", _file_b),
    "api:recipient-honours": ("object", _file_b),
    "api:recipient-family": ("object", _file_b),
    "api:recipient-plan": ("object", _file_b),
    "api:recipient-submit": ("object", _file_b),
    "api:recipient-approve": ("object", _file_b),
    "api:recipient-return": ("object", _file_b),
    "api:recipient-withdraw": ("object", _file_b),
    "api:recipient-change-submit": ("object", _file_b),
    "api:recipient-change-approve": ("object", _file_b),
    "api:recipient-change-return": ("object", _file_b),
    "api:recipient-change-withdraw": ("object", _file_b),
    # A transfer is decided by its sending side (or a level above it), never by village A.
    "api:transfer-decide": ("object", lambda w: {"pk": w.transfer_b.pk}),
}
