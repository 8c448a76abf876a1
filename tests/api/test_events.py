"""Server-Sent Events: new mail pushed to API clients and to the open browser inbox."""

from __future__ import annotations

import time
import urllib.request


def read_event(stream, deadline: float) -> dict[str, str]:
    event: dict[str, str] = {}
    while time.monotonic() < deadline:
        line = stream.readline().decode().rstrip("\n")
        if not line:
            if "event" in event:
                return event
            continue
        key, _, value = line.partition(": ")
        event[key] = value
    raise AssertionError("no event in time")


def test_api_stream_pushes_new_messages(live_server, client, send_mail):
    import json

    created = client.post("/api/v1/mailboxes", json={"protected": True}).json
    request = urllib.request.Request(
        f"{live_server}/api/v1/mailboxes/{created['address']}/events",
        headers={"Authorization": f"Bearer {created['token']}"})
    with urllib.request.urlopen(request, timeout=30) as stream:
        # The stream is open (its headers came): mail from now on is its to push.
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        send_mail(created["address"], subject="Pushed")
        event = read_event(stream, time.monotonic() + 30)
    assert event["event"] == "message"
    summary = json.loads(event["data"])
    assert summary["subject"] == "Pushed" and event["id"] == str(summary["id"])


def test_stream_is_authorized_like_the_api(client):
    created = client.post("/api/v1/mailboxes", json={"protected": True}).json
    assert client.get(f"/api/v1/mailboxes/{created['address']}/events").status_code == 404
    assert client.get("/api/v1/mailboxes/x@mayfly.test/events",
                      headers={"Authorization": "Bearer mbx_bad"}).status_code == 401


def test_streams_take_wait_slots(make_app, app):
    capped = make_app(wait_max_concurrent=1)
    address = capped.test_client().post("/api/v1/mailboxes").json["address"]
    first = capped.test_client().get(f"/api/v1/mailboxes/{address}/events", buffered=False)
    try:
        assert first.status_code == 200
        next(first.response)  # the stream is open and holds the slot
        second = capped.test_client().get(f"/api/v1/mailboxes/{address}/events")
        assert second.status_code == 429
    finally:
        first.close()
