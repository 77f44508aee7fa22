"""Where endpoints may point: https to public addresses; http to loopback outside production."""

from __future__ import annotations

import ipaddress

import pytest

from domain.errors import InvalidInput
from domain.webhooks.urls import EndpointUrlPolicy, address_allowed, check_endpoint_url

PRODUCTION = EndpointUrlPolicy()
DEV = EndpointUrlPolicy(allow_http_to_loopback=True, allow_private_addresses=True)

ACCEPTED_EVERYWHERE = [
    "https://hooks.example.com/agora",
    "https://hooks.example.com:8443/agora?tenant=7",
    "https://93.184.216.34/hook",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
]
REFUSED_EVERYWHERE = [
    "",
    "hooks.example.com/agora",
    "ftp://hooks.example.com/",
    "https://user:pass@hooks.example.com/",
    "https://hooks.example.com/#top",
    "https://hooks.example.com/a b",
    "https://hooks.example.com:99999/",
    "https:///path-only",
    "http://hooks.example.com/",  # http leaves loopback nowhere
    "https://hooks.example.com/" + "a" * 2048,
]
PRIVATE = [
    "https://127.0.0.1/hook",
    "https://10.0.0.8/hook",
    "https://192.168.1.1/hook",
    "https://172.16.0.1/hook",
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
    "https://224.0.0.1/hook",
]
LOOPBACK_HTTP = ["http://127.0.0.1:8080/hook", "http://localhost:9000/", "http://[::1]:81/x"]


@pytest.mark.parametrize("url", ACCEPTED_EVERYWHERE)
@pytest.mark.parametrize("policy", [PRODUCTION, DEV], ids=["production", "dev"])
def test_public_https_urls_are_accepted(url: str, policy: EndpointUrlPolicy) -> None:
    assert check_endpoint_url(f"  {url} ", policy) == url


@pytest.mark.parametrize("url", REFUSED_EVERYWHERE)
@pytest.mark.parametrize("policy", [PRODUCTION, DEV], ids=["production", "dev"])
def test_malformed_and_unsafe_urls_are_refused(url: str, policy: EndpointUrlPolicy) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_endpoint_url(url, policy)

    assert refused.value.field == "url"


@pytest.mark.parametrize("url", PRIVATE)
def test_production_refuses_private_loopback_and_link_local_targets(url: str) -> None:
    with pytest.raises(InvalidInput, match="private or reserved"):
        check_endpoint_url(url, PRODUCTION)


@pytest.mark.parametrize("url", PRIVATE)
def test_a_setting_allows_private_targets(url: str) -> None:
    assert check_endpoint_url(url, EndpointUrlPolicy(allow_private_addresses=True)) == url


@pytest.mark.parametrize("url", LOOPBACK_HTTP)
def test_http_reaches_loopback_only_outside_production(url: str) -> None:
    assert check_endpoint_url(url, DEV) == url
    with pytest.raises(InvalidInput):
        check_endpoint_url(url, PRODUCTION)


def test_http_to_a_private_network_address_is_refused_even_in_dev() -> None:
    with pytest.raises(InvalidInput, match="https"):
        check_endpoint_url("http://10.0.0.8/hook", DEV)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("93.184.216.34", True), ("127.0.0.1", False), ("::ffff:10.0.0.1", False),
     ("2606:4700::1111", True), ("169.254.169.254", False), ("ff02::1", False)],
)  # fmt: skip
def test_addresses_resolved_at_delivery_time_are_checked_alike(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address), PRODUCTION) is allowed
    assert address_allowed(ipaddress.ip_address(address), DEV) is True
