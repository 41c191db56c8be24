"""Permission-walk classification of the registry's staff pages (views/pages.py).

kind: public / self / list / object / global; kwargs point at village B's objects; the last
value says whether a township-level user would see village B in that list."""


def _recipient(world):
    return {"pk": world.recipient_b.pk}


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
    "registry:recipient_reveal": (
        "object",
        lambda w: {"pk": w.recipient_b.pk, "field": "id_number"},
        False,
    ),
    "registry:section_edit": ("object", lambda w: {"pk": w.recipient_b.pk, "key": "basic"}, False),
    "registry:list_edit": ("object", lambda w: {"pk": w.recipient_b.pk, "key": "family"}, False),
    "registry:recipient_submit": ("object", _recipient, False),
    "registry:recipient_withdraw": ("object", _recipient, False),
    "registry:recipient_approve": ("object", _recipient, False),
    "registry:recipient_return": ("object", _recipient, False),
    "registry:recipient_verify": ("object", _recipient, False),
    "registry:recipient_deceased": ("object", _recipient, False),
    "registry:change_submit": ("object", _recipient, False),
    "registry:change_withdraw": ("object", _recipient, False),
    "registry:document_upload": ("object", _recipient, False),
    "registry:document_file": ("object", _document_b, False),
    "registry:document_delete": ("object", _document_b, False),
    "registry:transfer_decide": ("object", lambda w: {"pk": w.transfer_b.pk}, False),
    "registry:transfer_cancel": ("object", lambda w: {"pk": w.transfer_b.pk}, False),
    "registry:ledger_open": ("object", lambda w: {"pk": w.ledger_b.pk}, False),
    "registry:ledger_delete": ("object", lambda w: {"pk": w.ledger_b.pk}, False),
}
