"""Permission-walk classification of the petition pages and API (junjia/petitions/): a
petition of village B registered by B's clerk, with an attachment. Registering is a write at
the writer's own station (village A's staff would register their own: no outsiders)."""

import datetime as dt


def _petitioner(seq: int) -> str:
    from junjia.registry.tests.factories import make_id_number

    return make_id_number(dt.date(1970, 1, 1), seq=seq)


def extend_world(world, tree, personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from junjia.petitions.services import petition_register
    from junjia.petitions.tests.factories import petition_input

    world.petition_b = petition_register(
        actor=personas.clerk_b,
        data=petition_input(
            petitioner_name="乙某某",
            id_number=_petitioner(901),
            attachments=[SimpleUploadedFile("证明.pdf", b"%PDF-1.4")],
        ),
    )[0]


def _petition_b(world) -> dict:
    return {"pk": world.petition_b.pk}


def _attachment_b(world) -> dict:
    return {"pk": world.petition_b.pk, "attachment_id": world.petition_b.attachments.get().pk}


def _nobody(world) -> list:
    return []


def register_page(world) -> dict:
    from junjia.core.clock import today
    from junjia.petitions.forms import PetitionForm
    from junjia.tests.walk_support import fill

    return fill(
        PetitionForm,
        {
            "channel": "letter",
            "received_on": today().isoformat(),
            "id_number": _petitioner(902),
            "petitioner_name": "丁某某",
            "matter_type": "housing",
            "matter": "住房困难。",
            "demands": "申请帮扶。",
            "people_count": "1",
        },
    )


def register_api(world) -> dict:
    from junjia.core.clock import today
    from junjia.petitions.rest import PetitionIn
    from junjia.tests.walk_support import fill

    return fill(
        PetitionIn,
        {
            "channel": "online",
            "received_on": today().isoformat(),
            "id_number": _petitioner(903),
            "petitioner_name": "戊某某",
            "matter_type": "medical",
            "matter": "医疗费用报销。",
            "demands": "按规定报销。",
        },
    )


def accept_page(world) -> dict:
    return {"to": "accepted", "told_by": "written"}


def accept_api(world) -> dict:
    return {"action": "accepted", "told_by": "written"}


REGISTER = {"actor": lambda w: w.staff_b, "capability": "petitions.handle", "outsiders": _nobody}

ROUTES = {
    "petitions:list": ("list", None, True),
    "petitions:new": ("list", None, False, {"body": register_page, **REGISTER}),
    "petitions:detail": ("object", _petition_b, False),
    "petitions:act": ("object", _petition_b, False, {"body": accept_page}),
    "petitions:attachment": ("object", _attachment_b, False),
    "api:petition-list": ("list", None, True, {"body": register_api, **REGISTER}),
    "api:petition-detail": ("object", _petition_b, False),
    "api:petition-action": ("object", _petition_b, False, {"body": accept_api}),
}
