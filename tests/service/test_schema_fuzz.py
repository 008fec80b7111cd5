"""Schemathesis against the service's own OpenAPI schema, in process (ASGI transport, no network).

Every operation of ``/api/openapi.json`` is called with generated requests, authenticated with an
admin's API token (so the role checks let every route run its code): no answer may be a 500, and
every answer must match what the schema declares (status codes, content type, body shape). The
examples per operation are bounded so the whole module stays well under a minute.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from greenmet.service.auth import hash_password, new_secret  # noqa: E402
from greenmet.service.settings import ServiceSettings  # noqa: E402
from greenmet.storage import users  # noqa: E402
from greenmet.storage.records import RecordStore  # noqa: E402
from greenmet.web.app import create_app  # noqa: E402

_TOKEN = new_secret()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    directory = tmp_path_factory.mktemp("schema_fuzz")
    records = RecordStore(directory / "records.duckdb")
    users.add_user(records, "admin", hash_password("correct horse battery"), "admin", actor="test")
    users.create_token(records, "admin", _TOKEN, "schemathesis")
    app = create_app(ServiceSettings(data_directory=directory, max_upload_bytes=200_000), records=records)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app)
    records.close()


def _fuzz(operation, headers):
    """One Hypothesis run over ``operation``'s schema-valid requests."""
    # A request body's semantic validity (an uploaded file's type and content, an enterprise's
    # fields) is not in the schema, so only operations without a body must accept every
    # schema-valid request; those with one must still answer in the schema, never with a 500.
    excluded = [positive_data_acceptance] if operation.body else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    call()


def test_no_server_error_and_answers_match_the_schema(api_schema):
    # schemathesis' pytest plugin does not follow pytest 9's node API, so the operations are walked
    # here: one Hypothesis run per operation, every call with the admin's token.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10, [operation.label for operation in operations]
    for operation in operations:
        _fuzz(operation, {"Authorization": f"Bearer {_TOKEN}"})
