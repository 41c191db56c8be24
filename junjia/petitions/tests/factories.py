"""Petitions for tests: registered through the service, as a clerk would."""

import datetime as dt

from junjia.core.clock import today
from junjia.petitions import services
from junjia.registry.tests.factories import make_id_number

# One petitioner unless a test says otherwise: a second registration is a repeat.
PETITIONER = make_id_number(dt.date(1975, 3, 9), seq=7)


def petition_input(**fields) -> services.PetitionInput:
    values = {
        "channel": "visit",
        "received_on": today(),
        "petitioner_name": "王某某",
        "id_number": PETITIONER,
        "matter_type": "pension",
        "matter": "伤残抚恤金自2025年起未按新标准发放。",
        "demands": "补发差额。",
        "phone": "13912345678",
        **fields,
    }
    return services.PetitionInput(**values)


def register(actor, **fields):
    return services.petition_register(actor=actor, data=petition_input(**fields))[0]
