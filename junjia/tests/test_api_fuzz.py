"""The whole API fuzzed against its own OpenAPI schema, as a village clerk and as a county
station head: no answer is a server error and every answer matches the schema (status code,
content type, body shape). Bounded by the number of examples per operation, so the run stays
within a few minutes on both databases."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.core.failures import FailureGroup

from junjia.orgs.tests.helpers import api_token_key

pytestmark = pytest.mark.django_db

EXAMPLES = 15
# A request the schema allows may still break a rule the schema cannot state (an identity
# number's check digit, a slot in the past, a case in another station): such a refusal is a
# 400 naming the field, which is right, so "schema-valid data must be accepted" is not checked.
EXCLUDED = [checks.positive_data_acceptance]


@pytest.fixture(params=["clerk_a", "head_county"])
def persona_token(request, personas) -> str:
    user = getattr(personas, request.param)
    return api_token_key(user)


@pytest.fixture
def in_process():
    """The WSGI app is called in this thread, inside the test's transaction: as Django's test
    client does, the connection is not closed when a request finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(persona_token, in_process):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/",
        get_wsgi_application(),
        headers={"Authorization": f"Token {persona_token}"},
    )

    class TokenAuth:
        """The persona's API token, known to schemathesis as the authentication, so its
        check that a request without it is refused (401) can run."""

        def get(self, case, context):
            return persona_token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    schema.auth.auth()(TokenAuth)
    return schema


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, failures: list[str]) -> None:
    @given(case=operation.as_strategy(auth_storage=operation.schema.auth))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        case.call_and_validate(excluded_checks=EXCLUDED)

    try:
        run()
    except (Exception, FailureGroup) as error:  # every failure is collected, reported together
        failures.append(f"{operation.label}: {error}")


def test_the_api_answers_as_its_schema_says(api_schema, persona_token):
    failures: list[str] = []
    for operation in _operations(api_schema):
        _fuzz(operation, failures)
    assert not failures, "\n\n".join(failures)
