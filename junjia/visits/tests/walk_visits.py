"""Permission-walk classification of the visit pages and API (junjia/visits/): village B's
person with a visit recorded by B's clerk; recording needs visits.record and reach of the
person (the campaign member page uses walk_campaigns' member of village B)."""

import datetime as dt

from django.utils import timezone


def extend_world(world, tree, personas) -> None:
    """A visit to village B's person, recorded by B's clerk, with a photo and a signature;
    a hardship event after it."""
    from junjia.tests.walk_support import png
    from junjia.visits.recording import VisitInput, visit_record

    data = VisitInput(
        visited_at=timezone.now() - dt.timedelta(hours=1),
        how="home",
        met="本人",
        visitors=[personas.clerk_b],
        photos=[png("photo.png")],
        signature=png("signature.png"),
    )
    data.money_fen, data.budget_line = 20000, "春节慰问经费"  # in the comfort-money ledger
    world.visit_b = visit_record(actor=personas.clerk_b, recipient=world.recipient_b, data=data)[0]
    # An event with a visit due after that visit (the events list and API show it).
    from junjia.visits.rules import load_seed_rules
    from junjia.visits.services import event_record

    load_seed_rules()
    world.event_b = event_record(
        actor=personas.clerk_b,
        recipient=world.recipient_b,
        kind="hardship",
        occurred_on=timezone.localdate(),
    )


def _visit_b(world) -> dict:
    return {"pk": world.visit_b.pk}


def _photo_b(world) -> dict:
    return {"pk": world.visit_b.pk, "photo": world.visit_b.photos.get().pk}


def _signature_b(world) -> dict:
    return {"pk": world.visit_b.pk, "which": "signature"}


def _person_b(world) -> dict:
    return {"recipient": world.recipient_b.pk}


def _member_b(world) -> dict:
    return {"pk": world.campaign.pk, "member": world.member_b.pk}


def visit_form(world) -> dict:
    return {
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "how": "home",
        "met": "本人",
        "volunteer_visitors": "志愿者甲",
        "money": "200",
        "budget_line": "春节慰问经费",
    }


def visit_api_body(world) -> dict:
    return {
        "recipient": world.recipient_b.pk,
        "visited_at": timezone.now().isoformat(),
        "how": "phone",
        "met": "配偶",
        "volunteer_visitors": "志愿者甲",
    }


def event_form(world) -> dict:
    return {"kind": "hardship", "occurred_on": timezone.localdate().isoformat(), "note": "因病"}


def event_api_body(world) -> dict:
    return {
        "recipient": world.recipient_b.pk,
        "kind": "return_home",
        "occurred_on": timezone.localdate().isoformat(),
    }


def need_case_form(world) -> dict:
    return {"item": "preferential-card", "need": "希望申领优待证"}


ROUTES = {
    "visits:ledger": ("list", None, True),
    "visits:visit_detail": ("object", _visit_b, False),
    "visits:person_visits": ("object", _person_b, False),
    "api:visit-detail": ("object", _visit_b, False),
    "visits:visit_photo": ("object", _photo_b, False),
    "visits:visit_signature": ("object", _signature_b, False),
    # The service worker holds no data (static addresses only); the phone's list is drawn
    # from the phone's own storage.
    "visits:service_worker": ("public",),
    "visits:offline": ("self",),
    "visits:visit_new": ("object", _person_b, False, {"body": visit_form}),
    "visits:visit_new_member": ("object", _member_b, False, {"body": visit_form}),
    "api:visit-list": ("list", None, True, {"body": visit_api_body, "capability": "visits.record"}),
    "visits:event_list": ("list", None, True),
    "visits:visit_case_new": (
        "object",
        _visit_b,
        False,
        {"body": need_case_form, "capability": "cases.handle"},
    ),
    "visits:comfort_ledger": ("list", None, True),
    "visits:comfort_print": ("list", None, True),
    "visits:event_new": ("object", _person_b, False, {"body": event_form}),
    "api:visit-event-list": (
        "list",
        None,
        True,
        {"body": event_api_body, "capability": "visits.record"},
    ),
}
