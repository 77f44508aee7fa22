"""The HTTP sender against a real server: pinned to the address it checked, bounded, guarded."""

from __future__ import annotations

import ipaddress

from api.webhooks.sender import HttpWebhookSender
from domain.webhooks.urls import EndpointUrlPolicy
from support.webhooks import LOOPBACK, Answer, Receiver


def resolving_to(address: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address(address)]

    return resolve


async def test_a_pinned_request_goes_to_the_checked_address_under_its_own_name(
    receiver: Receiver,
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    sender = HttpWebhookSender(LOOPBACK, resolve=resolving_to("127.0.0.1"), pin=True)
    try:
        result = await sender.post(
            f"http://hooks.test:{port}/hook", headers={"x-probe": "1"}, body=b"{}"
        )
    finally:
        await sender.aclose()

    assert (result.status_code, result.error) == (200, None)
    [got] = receiver.received
    assert got.headers["host"] == f"hooks.test:{port}"
    assert got.headers["x-probe"] == "1"


async def test_a_name_resolving_to_a_private_address_is_never_contacted(
    receiver: Receiver,
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    sender = HttpWebhookSender(EndpointUrlPolicy(), resolve=resolving_to("127.0.0.1"))
    try:
        result = await sender.post(f"https://hooks.test:{port}/hook", headers={}, body=b"{}")
    finally:
        await sender.aclose()

    assert result.status_code is None
    assert result.error == "refused: hooks.test resolves to a private or reserved address"
    assert receiver.received == []


async def test_only_the_start_of_a_long_answer_is_kept(receiver: Receiver) -> None:
    receiver.answer(Answer(500, body="x" * 100_000))
    sender = HttpWebhookSender(LOOPBACK)
    try:
        result = await sender.post(receiver.url, headers={}, body=b"{}")
    finally:
        await sender.aclose()

    assert result.status_code == 500
    assert result.response_snippet == "x" * 500


async def test_an_unreachable_endpoint_is_an_error_not_a_crash() -> None:
    sender = HttpWebhookSender(LOOPBACK, timeout=2)
    try:
        result = await sender.post("http://127.0.0.1:9/hook", headers={}, body=b"{}")
    finally:
        await sender.aclose()

    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("ConnectError")
