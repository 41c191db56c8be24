"""Permission-walk classification of the registry's staff pages (views/pages.py).

kind: public / self / list / object / global; kwargs point at village B's objects; the last
value says whether a township-level user would see village B in that list."""

from junjia.tests.walk_support import png


def extend_world(world, tree, personas):
    """A draft file of village B (its clerk's, not yet submitted): where a file is submitted,
    withdrawn, approved and returned. Village B's approved file is world.recipient_b."""
    from junjia.registry.choices import FileStatus
    from junjia.registry.tests.factories import make_recipient

    world.draft_b = make_recipient(
        tree.regions.village_b, created_by=personas.clerk_b, name="丁草稿", status=FileStatus.DRAFT
    )


def _recipient(world):
    return {"pk": world.recipient_b.pk}


def _draft(world):
    return {"pk": world.draft_b.pk}


def clerk_b(world):
    """Village B's clerk: collects B's files (registry.edit)."""
    return world.staff_b


def reviewer(world):
    """The township reviewer over village B: a village's file is reviewed one level up."""
    return world.personas.reviewer_town


def submitted(world):
    """Village B's draft file submitted by its clerk: it waits for the township reviewer."""
    from junjia.registry import services

    services.recipient_submit(actor=world.staff_b, recipient=world.draft_b)


def change_draft(world):
    """A change of village B's approved file begun by its clerk (the plan rewritten)."""
    from junjia.registry import services

    services.recipient_set_list(
        actor=world.staff_b, recipient=world.recipient_b, key="plan", items="每季度走访一次"
    )


def change_submitted(world):
    """That change submitted: it waits for the township reviewer."""
    from junjia.registry import services

    change_draft(world)
    services.change_submit(actor=world.staff_b, recipient=world.recipient_b, reason="更新计划")


def section_data(world, key: str) -> dict:
    """Village B's file's section as its edit page fills the form (the phone left blank,
    as the page never shows it), with the former name added."""
    from junjia.registry.forms import section_form_class
    from junjia.registry.views import reads

    recipient = world.recipient_b
    working = reads.working_snapshot(recipient, reads.open_change(recipient))
    initial = dict(working["sections"].get(key, {}))
    initial.pop("phone", None)
    form = section_form_class(key)(initial=initial)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, "", False):
            data[name] = value
    data["former_names"] = "乙某"
    return data


def _family(world) -> dict:
    """The family list as its formset posts it: one row, the spouse."""
    return {
        "family-TOTAL_FORMS": "1",
        "family-INITIAL_FORMS": "0",
        "family-MIN_NUM_FORMS": "0",
        "family-MAX_NUM_FORMS": "1000",
        "family-0-name": "乙某妻",
        "family-0-relationship": "spouse",
        "family-0-birth_year": "1982",
    }


def write(body, actor=clerk_b, prepare=None, **extra) -> dict:
    """A write route's body, by village B's clerk unless another actor is named (None: B's
    all-roles user b_all)."""
    return {"body": body, "actor": actor, "prepare": prepare, **extra}


def empty(world) -> dict:
    return {}


def reviewed(prepare, **body) -> dict:
    """A decision of the township reviewer on what `prepare` has submitted."""
    return write(lambda w: body, reviewer, prepare)


def _document_b(world):
    """A document of village B's file (created on first use)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from junjia.registry.models import RecipientDocument

    document = RecipientDocument.objects.filter(recipient=world.recipient_b).first()
    if document is None:
        document = RecipientDocument.objects.create(
            recipient=world.recipient_b,
            kind="id_card",
            file=SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n"),
            original_name="b.png",
            uploaded_by=world.staff_b,
        )
    return {"pk": world.recipient_b.pk, "doc_pk": document.pk}


ROUTES = {
    # lists and forms whose pickers list the jurisdiction's regions
    "registry:recipient_list": ("list", None, True),
    "registry:recipient_create": ("list", None, True),
    "registry:transfer_new": ("list", None, True),
    "registry:transfer_list": ("list", None, True),
    # work lists: nothing of village B's waits there in the walk's world
    "registry:review_queue": ("list", None, False),
    "registry:reverification": ("list", None, False),
    # ledgers are their owner's alone
    "registry:ledger_list": ("list", None, False),
    "registry:ledger_save": ("list", None, False),
    # the identity-number preview reads nothing stored (POST only)
    "registry:recipient_preview": ("self", None, False),
    # village B's file and what hangs off it
    "registry:recipient_detail": ("object", _recipient, False),
    "registry:recipient_card": ("object", _recipient, False),
    # the write is the reveal's audit entry, which the fingerprint leaves out; a clerk may
    # not reveal, village B's head (b_all) may
    "registry:recipient_reveal": (
        "object",
        lambda w: {"pk": w.recipient_b.pk, "field": "id_number"},
        False,
        write(empty, actor=None, changes_db=False),
    ),
    # on an approved file an edit opens a change request
    "registry:section_edit": (
        "object",
        lambda w: {"pk": w.recipient_b.pk, "key": "basic"},
        False,
        write(lambda w: section_data(w, "basic")),
    ),
    "registry:list_edit": (
        "object",
        lambda w: {"pk": w.recipient_b.pk, "key": "family"},
        False,
        write(_family),
    ),
    "registry:recipient_submit": ("object", _draft, False, write(empty)),
    "registry:recipient_withdraw": ("object", _draft, False, write(empty)),
    "registry:recipient_approve": ("object", _draft, False, reviewed(submitted, remark="齐全")),
    "registry:recipient_return": ("object", _draft, False, reviewed(submitted, reason="缺材料")),
    "registry:recipient_verify": ("object", _recipient, False, write(empty)),
    "registry:recipient_deceased": (
        "object",
        _recipient,
        False,
        write(lambda w: {"death_date": "2026-01-05"}),
    ),
    "registry:change_submit": (
        "object",
        _recipient,
        False,
        write(lambda w: {"reason": "更新计划"}, prepare=change_draft),
    ),
    "registry:change_withdraw": ("object", _recipient, False, write(empty, prepare=change_draft)),
    "registry:document_upload": (
        "object",
        _recipient,
        False,
        write(lambda w: {"kind": "household_register", "file": png("hukou.png")}),
    ),
    "registry:document_file": ("object", _document_b, False),
    "registry:document_delete": ("object", _document_b, False, write(empty)),
    # a transfer is decided by its sending side: village B's head (b_all)
    "registry:transfer_decide": (
        "object",
        lambda w: {"pk": w.transfer_b.pk},
        False,
        write(lambda w: {"decision": "approve", "remark": "同意迁出"}, actor=None),
    ),
    "registry:transfer_cancel": ("object", lambda w: {"pk": w.transfer_b.pk}, False, write(empty)),
    "registry:ledger_open": ("object", lambda w: {"pk": w.ledger_b.pk}, False),
    "registry:ledger_delete": ("object", lambda w: {"pk": w.ledger_b.pk}, False, write(empty)),
}
