"""Portal fixtures: a fresh rate-limit cache per test, the catalogue, a station, a case."""

import uuid

import pytest

from junjia.cases import services as case_services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import Channel
from junjia.cases.models import ServiceItem
from junjia.orgs.models import Station

from .helpers import NUMBER

ALL_CARD_MATERIALS = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Counts from one test must not limit the next (the live server shares this process)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"portal-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.JUNJIA_SMS_FILE = tmp_path / "sms.jsonl"
    return settings.JUNJIA_SMS_FILE


@pytest.fixture
def catalogue(db):
    load_catalogue()


@pytest.fixture
def station(tree):
    s = tree.stations.village_a
    Station.objects.filter(pk=s.pk).update(
        phone="0532-88886666",
        hotline="0532-12345678",
        address="甲街道幸福路 8 号",
        office_hours="工作日 8:30–12:00，13:30–17:30",
    )
    s.refresh_from_db()
    return s


@pytest.fixture
def calendar(db):
    from junjia.core.tests.helpers_calendar import known_calendar

    known_calendar()


@pytest.fixture
def completed_case(personas, catalogue, station, calendar):
    """A case of village A opened for 王大明 (with his identity number), accepted and
    completed by clerk A: ready to be rated, and to be followed by its number."""
    clerk = personas.clerk_a
    case = case_services.case_open(
        actor=clerk,
        item=ServiceItem.objects.get(code="preferential-card"),
        channel=Channel.WINDOW,
        applicant_name="王大明",
        applicant_phone="13912345678",
        applicant_id=NUMBER,
        received=ALL_CARD_MATERIALS,
    )
    case = case_services.case_accept(actor=clerk, case=case)
    return case_services.case_complete(actor=clerk, case=case, result="已制证发放")
