"""The API key never shows itself; the base URL is built and checked as documented."""

from __future__ import annotations

import copy
import pickle

import pytest

from provisioner.errors import ProvisionerError
from provisioner.kaleyra import ApiKey, base_url_for

SECRET = "ak_live_0123456789abcdef"


def test_api_key_shows_only_stars() -> None:
    key = ApiKey(SECRET)
    assert repr(key) == str(key) == f"{key}" == "***"
    assert SECRET not in repr([key, {"k": key}])
    assert key.reveal() == SECRET


def test_api_key_refuses_pickling() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(ApiKey(SECRET))


@pytest.mark.parametrize(("value", "expected"), [(SECRET, SECRET), (" k ", "k")])
def test_api_key_from_env(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("KALEYRA_API_KEY", value)
    key = ApiKey.from_env()
    assert key is not None
    assert key.reveal() == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_api_key_from_env_none_when_unset_or_empty(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("KALEYRA_API_KEY", raising=False)
    else:
        monkeypatch.setenv("KALEYRA_API_KEY", value)
    assert ApiKey.from_env() is None


@pytest.fixture(autouse=True)
def _no_url_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALEYRA_API_URL", raising=False)


@pytest.mark.parametrize(
    ("environment", "region", "expected"),
    [
        ("sandbox", "eu", "https://api.sandbox.eu.bandyer.com"),
        ("production", "eu", "https://api.eu.bandyer.com"),
        ("production", "in", "https://api.in.bandyer.com"),
        ("production", "us", "https://api.us.bandyer.com"),
        ("production", "me", "https://api.me.bandyer.com"),
    ],
)
def test_official_hosts(environment: str, region: str, expected: str) -> None:
    assert base_url_for(environment, region) == expected


def test_defaults_to_the_eu_sandbox() -> None:
    assert base_url_for() == "https://api.sandbox.eu.bandyer.com"


@pytest.mark.parametrize(
    ("environment", "region", "message"),
    [
        ("sandbox", "us", "sandbox exists only in eu"),
        ("staging", "eu", "api.environment"),
        ("production", "asia", "api.region"),
    ],
)
def test_impossible_settings_are_refused(
    environment: str, region: str, message: str
) -> None:
    with pytest.raises(ProvisionerError, match=message):
        base_url_for(environment, region)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.9.9.9:1", "http://127.9.9.9:1"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://kaleyra.example.com/base/", "https://kaleyra.example.com/base"),
    ],
)
def test_explicit_url(url: str, expected: str) -> None:
    assert base_url_for("production", "us", url=url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://api.eu.bandyer.com", "plain http is allowed only for loopback"),
        ("http://10.0.0.1:8080", "plain http is allowed only for loopback"),
        ("http://127.0.0.1.example.com", "plain http is allowed only for loopback"),
        ("ftp://127.0.0.1", "http"),
        ("127.0.0.1:8080", "http"),
        ("https://user:pw@api.eu.bandyer.com", "credentials"),
        ("https://api.eu.bandyer.com/?apikey=x", "query"),
        ("http://127.0.0.1:99999", "not a valid URL"),
    ],
)
def test_unsafe_or_broken_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ProvisionerError, match=message) as caught:
        base_url_for(url=url)
    assert "pw" not in str(caught.value)


def test_environment_url_overrides_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALEYRA_API_URL", "http://127.0.0.1:9999/")
    assert base_url_for("production", "us", url="https://x.test") == (
        "http://127.0.0.1:9999"
    )


def test_environment_url_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALEYRA_API_URL", "http://example.com")
    with pytest.raises(ProvisionerError, match="KALEYRA_API_URL"):
        base_url_for()


@pytest.mark.parametrize("secret", ["", "ak live", "ak_live\n", "ключ", "ak\x00"])
def test_api_key_refuses_what_a_header_cannot_carry(secret: str) -> None:
    with pytest.raises(ProvisionerError) as caught:
        ApiKey(secret)
    assert secret.strip() not in str(caught.value) or not secret.strip()


def test_api_key_copies_are_the_same_key() -> None:
    key = ApiKey(SECRET)
    assert copy.copy(key) is key
    assert copy.deepcopy({"key": key})["key"] is key
