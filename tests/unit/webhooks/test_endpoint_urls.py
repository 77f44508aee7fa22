"""Where endpoints may point: https to public addresses; http to loopback outside production."""

from __future__ import annotations

import ipaddress

import pytest

from domain.errors import InvalidInput
from domain.webhooks.urls import (
    EndpointUrlPolicy,
    address_allowed,
    check_endpoint_url,
    host_address,
)

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
    [
        ("93.184.216.34", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2606:4700::1111", True),
        ("169.254.169.254", False),
        ("ff02::1", False),
    ],
)
def test_addresses_resolved_at_delivery_time_are_checked_alike(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address), PRODUCTION) is allowed
    assert address_allowed(ipaddress.ip_address(address), DEV) is True


# Every way a resolver (inet_aton) or a browser reads a number as an address.
NUMERIC_PRIVATE = [
    "https://127.1/x",
    "https://2130706433/x",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/x",
    "https://0x7F.1/x",
    "https://0177.0.0.1/x",  # octal
    "https://0/x",  # 0.0.0.0
    "https://127.0.0.1./x",  # a trailing dot
    "https://10.1/x",
    "https://0xa9fea9fe/latest/meta-data",  # 169.254.169.254
    "https://3232235777/x",  # 192.168.1.1
    "https://[::ffff:127.0.0.1]/x",
    "https://[::ffff:7f00:1]/x",
    "https://[::127.0.0.1]/x",  # IPv4-compatible
    "https://[64:ff9b::7f00:1]/x",  # NAT64
    "https://[2002:7f00:1::1]/x",  # 6to4
    "https://[::]/x",
]


@pytest.mark.parametrize("url", NUMERIC_PRIVATE)
def test_every_numeric_form_of_a_private_address_is_refused_in_production(url: str) -> None:
    with pytest.raises(InvalidInput, match="private or reserved") as refused:
        check_endpoint_url(url, PRODUCTION)

    assert refused.value.field == "url"


@pytest.mark.parametrize("url", NUMERIC_PRIVATE)
def test_numeric_private_forms_follow_the_private_address_setting(url: str) -> None:
    assert check_endpoint_url(url, EndpointUrlPolicy(allow_private_addresses=True)) == url


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("1.2.3", "1.2.0.3"),
        ("1572395042", "93.184.216.34"),
        ("93.184.216.34.", "93.184.216.34"),
        ("hooks.example.com", None),
        ("::1", "::1"),
    ],
)
def test_numeric_hosts_read_as_a_resolver_reads_them(host: str, address: str | None) -> None:
    expected = None if address is None else ipaddress.ip_address(address)
    assert host_address(host) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://08.0.0.1/x",
        "https://256.0.0.1/x",
        "https://1.2.3.4.5/x",
        "https://4294967296/x",
        "https://hooks.123/x",
    ],
)
def test_a_host_that_ends_like_a_number_but_is_no_address_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match="valid URL"):
        check_endpoint_url(url, EndpointUrlPolicy(allow_private_addresses=True))


def test_a_public_address_written_as_one_number_is_accepted() -> None:
    assert check_endpoint_url("https://1572395042/hook", PRODUCTION) == "https://1572395042/hook"


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "2002:c0a8:101::1", "::ffff:169.254.1.1"])
def test_delivery_time_addresses_carrying_a_private_ipv4_are_refused(address: str) -> None:
    assert address_allowed(ipaddress.ip_address(address), PRODUCTION) is False
