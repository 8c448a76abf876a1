"""Every API answer the tests see is checked against the served OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from app.api.openapi import load_spec

PREFIX = "/api/v1"


def check(response: TestResponse, method: str, template: str) -> TestResponse:
    """Fail unless the status is documented for the operation and the body matches its schema."""
    spec = load_spec()
    operation = spec["paths"][template][method.lower()]
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {template} answered undocumented {status}: {response.data[:300]!r}"
    content = documented[status].get("content")
    if not content:
        assert response.data == b"", f"{status} should have no body"
        return response
    if "application/json" in content:
        assert response.mimetype == "application/json"
        schema = {"components": spec["components"], **content["application/json"]["schema"]}
        Draft202012Validator(schema).validate(response.get_json())
    else:
        assert response.mimetype in content or "application/octet-stream" in content
    return response


def call(client: FlaskClient, method: str, template: str, *, json: Any = None,
         data: bytes | str | None = None, headers: dict[str, str] | None = None,
         query: dict[str, Any] | None = None, **path: Any) -> TestResponse:
    """Fill the path template, make the request, check the answer against the contract."""
    url = PREFIX + template.format(**path)
    kwargs: dict[str, Any] = {"headers": headers or {}, "query_string": query or {}}
    if json is not None:
        kwargs["json"] = json
    if data is not None:
        kwargs["data"] = data
        kwargs["content_type"] = "application/json"
    response = client.open(url, method=method, **kwargs)
    return check(response, method, template)
