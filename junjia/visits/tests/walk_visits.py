"""Permission-walk classification of the visit pages and API (junjia/visits/): village B's
person with a visit recorded by B's clerk; recording needs visits.record and reach of the
person (the campaign member page uses walk_campaigns' member of village B)."""

import datetime as dt

from django.utils import timezone


def extend_world(world, tree, personas) -> None:
    """A visit to village B's person, recorded by B's clerk, with a photo and a signature."""
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
    world.visit_b = visit_record(actor=personas.clerk_b, recipient=world.recipient_b, data=data)[0]


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
}
