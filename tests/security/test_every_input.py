"""Bad input answers 4xx, never 5xx, on every route of every door: generated path values,
JSON bodies (deeply nested ones included), query strings and headers; and the inputs that
once answered 500, replayed over real HTTP."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import limiter

ODD_TEXT = ["²", "٣", "9" * 40, "-1", "0", "+1", "1_0", " 1", "a@mayfly.test", "..", "%",
            "\x00", "é@mayfly.test", "x" * 400, "\u202e", "1e9", "NaN", "null", "[]"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
DEEP = "[" * 50_000 + "]" * 50_000


def path_values() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ODD_TEXT),
                     st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
                     st.integers(min_value=-(2**70), max_value=2**70).map(str))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["seen", "local", "domain", "protected", "email",
                                       "password", "subject", "body", "isHtml", "x"]),
                      children, max_size=4),
    max_leaves=12)

bodies = st.one_of(
    json_values.map(lambda v: __import__("json").dumps(v)),
    st.just(DEEP), st.just('{"a":' * 20_000 + "1" + "}" * 20_000),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")))

headers = st.fixed_dictionaries({}, optional={
    "Authorization": st.sampled_from(["Bearer ", "Bearer x", "Bearer mf_x", "Bearer mbx_x",
                                      "Basic !!!", "Basic " + "QTpC", "Bearer ey.ey.ey"]),
    "Last-Event-ID": st.sampled_from(["²", "٣", "-5", "9" * 30, "abc", "1"]),
    "X-MailboxToken": st.sampled_from(["", "x", "A" * 40]),
    "Content-Type": st.sampled_from(["application/json", "text/plain",
                                     "application/merge-patch+json"]),
})


def _routes(app) -> list[tuple[str, list[str], set[str]]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        found.append((rule.rule, sorted(rule.arguments), set(rule.methods or ())))
    return found


@pytest.fixture
def unlimited(make_app, smtp_server):
    """Rate limits off for this test, so the generated requests reach the routes; and its SMTP
    door listening, so /readyz is ready and a 503 there could only come from the input."""
    limiter.enabled = False
    yield make_app(smtp_port=smtp_server.port)
    limiter.enabled = True


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_input_makes_any_route_fail(unlimited, data):
    app = unlimited
    rule, arguments, allowed = data.draw(st.sampled_from(_routes(app)), label="route")
    path = rule
    for name in arguments:
        value = data.draw(path_values(), label=name)
        path = path.replace(f"<{name}>", quote(value, safe="")).replace(
            f"<int:{name}>", quote(value, safe="")).replace(
            f"<path:{name}>", quote(value, safe="/"))
    method = data.draw(st.sampled_from(sorted(allowed & set(METHODS)) or ["GET"]),
                       label="method")
    query = data.draw(st.dictionaries(
        st.sampled_from(["wait", "limit", "cursor", "since", "page", "action", "login",
                         "domain", "id", "count", "type", "q", "tag", "known", "view"]),
        path_values(), max_size=3), label="query")
    if "wait" in query:
        query["wait"] = "0"  # a real wait only slows the test; its parsing is still tried
    body = data.draw(bodies, label="body") if method in ("POST", "PUT", "PATCH") else None
    sent_headers = data.draw(headers, label="headers")
    with app.test_client() as client:
        response = client.open(path, method=method, query_string=query, data=body,
                               headers=sent_headers)
        status = response.status_code
        response.close()
    assert status < 500, (method, path, query, status)


REPLAYS = [
    ("POST", "/api/v1/mailboxes", DEEP, {}),
    ("PATCH", "/api/v1/messages/4294967297", DEEP, {}),
    ("POST", "/compat/tempemail/api/accounts", DEEP, {}),
    ("POST", "/compat/tempemail/api/token", DEEP, {}),
    # PostgreSQL refuses NUL in text: refused at the door, never a 500 from the store.
    ("GET", "/compat/tempmail-php/api.php/inbox/%00", None, {}),
    ("GET", "/api/v1/mailboxes/a%00@mayfly.test/messages", None, {}),
    ("POST", "/api/v1/mailboxes", '{"local": "a\\u0000b"}', {}),
    # b"\xb2" is "²" in the Latin-1 that HTTP headers are read as: a digit int() refuses.
    ("GET", "/api/v1/mailboxes/stream@mayfly.test/events", None, {"Last-Event-ID": b"\xb2"}),
    ("GET", "/inbox/stream@mayfly.test/events", None, {"Last-Event-ID": b"\xb2"}),
]


@pytest.mark.parametrize(("method", "path", "body", "extra"), REPLAYS)
def test_inputs_that_once_failed_are_client_errors(live_server, send_mail, method, path,
                                                   body, extra):
    send_mail("stream@mayfly.test")
    answer = requests.request(method, live_server + path, data=body, headers={
        "Content-Type": "application/json", **extra}, timeout=30, stream=True)
    assert answer.status_code < 500, (path, answer.status_code)
    answer.close()


def test_signed_in_doors_refuse_odd_ids_and_deep_bodies(live_server):
    account = requests.post(f"{live_server}/compat/tempemail/api/accounts", timeout=30,
                            json={"email": "odd@mayfly.test", "password": "securePassword1"})
    auth = {"Authorization": f"Bearer {account.json()['data']['token']}"}
    odd_id = requests.get(f"{live_server}/compat/tempemail/api/messages/%C2%B2", headers=auth,
                          timeout=30)
    assert odd_id.status_code == 404
    box = requests.put(f"{live_server}/compat/developermail/api/v1/mailbox",
                       timeout=30).json()["result"]
    deep = requests.post(f"{live_server}/compat/developermail/api/v1/mailbox/{box['name']}"
                         "/messages", data=DEEP, headers={"X-MailboxToken": box["token"],
                                                          "Content-Type": "application/json"},
                         timeout=30)
    assert deep.status_code == 400


def test_a_line_break_in_a_sent_subject_is_not_a_crash(live_server):
    created = requests.put(f"{live_server}/compat/developermail/api/v1/mailbox",
                           timeout=30).json()["result"]
    sent = requests.put(
        f"{live_server}/compat/developermail/api/v1/mailbox/{created['name']}/messages",
        json={"subject": "line one\r\nBcc: victim@example.org", "body": "hi"},
        headers={"X-MailboxToken": created["token"]}, timeout=30)
    assert sent.status_code == 200
    ids = requests.get(f"{live_server}/compat/developermail/api/v1/mailbox/{created['name']}",
                       headers={"X-MailboxToken": created["token"]}, timeout=30).json()
    raw = requests.get(f"{live_server}/compat/developermail/api/v1/mailbox/{created['name']}"
                       f"/messages/{ids['result'][0]}",
                       headers={"X-MailboxToken": created["token"]}, timeout=30).json()
    assert "Subject: line one Bcc: victim@example.org" in raw["result"]
    assert "\nBcc:" not in raw["result"]
