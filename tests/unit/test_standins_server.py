"""The stand-in framework: recording (newest first, bounded, credentials redacted), faults (by
status, count, path prefix, delay; also over HTTP), callbacks recorded with their answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hearth_dev.standins.server import Answer, Request, StandIn

from tests.receivers import Receiver


class Echo(StandIn):
    name = "echo"

    def __init__(self, history: int = 200) -> None:
        super().__init__(history=history)
        self.route("GET", r"/v1/things/(?P<thing_id>\w+)", self.thing)
        self.route("POST", r"/v1/things", self.create)

    def thing(self, request: Request, thing_id: str) -> Answer:
        return Answer.json(200, {"id": thing_id, "query": request.query})

    def create(self, request: Request) -> Answer:
        return Answer.json(201, {"form": request.form()})

    def error(self, status: int, message: str) -> Answer:
        return Answer.json(status, {"oops": message})


@pytest.fixture
def echo() -> Iterator[Echo]:
    with Echo() as standin:
        yield standin


def test_answers_and_records_newest_first_without_credentials(echo: Echo) -> None:
    with httpx.Client(base_url=echo.url) as client:
        first = client.get("/v1/things/a?x=1", headers={"Authorization": "Bearer sk_secret_value"})
        second = client.post(
            "/v1/things",
            data={"name": "b"},
            headers={"X-Api-Key": "key-value", "Authorization": "Basic QUM6dA=="},
        )
    assert first.status_code == 200
    assert first.json() == {"id": "a", "query": {"x": ["1"]}}
    assert second.status_code == 201
    newest, oldest = echo.requests
    assert (newest.method, newest.path, newest.status) == ("POST", "/v1/things", 201)
    assert newest.body == "name=b"
    assert '"form"' in newest.answer
    assert (oldest.path, oldest.query, oldest.status) == ("/v1/things/a", "x=1", 200)
    assert oldest.headers["authorization"] == "Bearer [redacted]"
    assert newest.headers["authorization"] == "Basic [redacted]"
    assert newest.headers["x-api-key"] == "[redacted]"
    assert "sk_secret_value" not in str(echo.snapshot())


def test_unknown_path_and_method_answer_in_the_providers_error_shape(echo: Echo) -> None:
    with httpx.Client(base_url=echo.url) as client:
        missing = client.get("/v2/nothing")
        wrong_method = client.delete("/v1/things")
    assert missing.status_code == 404
    assert "oops" in missing.json()
    assert wrong_method.status_code == 405


def test_history_is_bounded() -> None:
    with Echo(history=3) as standin, httpx.Client(base_url=standin.url) as client:
        for n in range(5):
            client.get(f"/v1/things/t{n}")
        assert [r.path for r in standin.requests] == ["/v1/things/t4", "/v1/things/t3", "/v1/things/t2"]


def test_fault_by_status_count_and_path(echo: Echo) -> None:
    fault = echo.fail(status=429, times=2, paths="/v1/things/x", retry_after=7)
    with httpx.Client(base_url=echo.url) as client:
        other = client.get("/v1/things/y")
        hits = [client.get("/v1/things/x1"), client.get("/v1/things/x2")]
        after = client.get("/v1/things/x3")
    assert other.status_code == 200
    for hit in hits:
        assert hit.status_code == 429
        assert hit.headers["retry-after"] == "7"
        assert hit.json() == {"oops": "Too many requests"}
    assert after.status_code == 200
    assert echo.faults == []
    assert [r.fault for r in echo.requests] == [None, fault.id, fault.id, None]


def test_a_delay_fault_times_the_client_out(echo: Echo) -> None:
    echo.fail(status=None, delay=1.0)
    with httpx.Client(base_url=echo.url, timeout=0.3) as client:
        with pytest.raises(httpx.TimeoutException):
            client.get("/v1/things/slow")
        assert client.get("/v1/things/fast").status_code == 200


def test_faults_over_http(echo: Echo) -> None:
    with httpx.Client(base_url=echo.url) as client:
        set_ = client.post("/_standin/faults", json={"status": 503, "times": 1, "paths": "/v1"})
        assert set_.status_code == 201
        assert set_.json()["status"] == 503
        assert client.get("/v1/things/a").status_code == 503
        assert client.post("/_standin/faults", json={"status": 200}).status_code == 400
        assert client.post("/_standin/faults", json={"status": 500, "bogus": 1}).status_code == 400
        client.post("/_standin/faults", json={"status": 500, "times": 5})
        assert client.delete("/_standin/faults").status_code == 204
        assert client.get("/v1/things/b").status_code == 200
        snapshot = client.get("/_standin/requests").json()
    assert snapshot["provider"] == "echo"
    assert [r["status"] for r in snapshot["requests"]] == [200, 503]  # control requests not recorded
    assert snapshot["faults"] == []


def test_callbacks_are_sent_and_recorded_with_the_answer(echo: Echo) -> None:
    with Receiver(status=202) as receiver:
        record = echo.callback(
            receiver.url + "/hook",
            b'{"a": 1}',
            {"Content-Type": "application/json", "X-Sig": "s"},
            label="test",
        )
        (got,) = receiver.wait_for(1)
    assert got.body == b'{"a": 1}'
    assert got.headers["x-sig"] == "s"
    assert (record.status, record.label) == (202, "test")
    assert echo.callbacks == [record]
    unreachable = echo.callback("http://127.0.0.1:9/none", b"{}", {})
    assert unreachable.status is None
    assert unreachable.error
