"""Settings come from the environment once and fail fast, naming the variable."""

from __future__ import annotations

import pytest

from eventkit.settings import Env, RuntimeSettings, SettingsError


def test_defaults_point_at_localhost() -> None:
    settings = RuntimeSettings.from_env("svc", 5001, Env({}))
    assert settings.port == 5001
    assert settings.pulsar_service_url == "pulsar://localhost:6650"
    assert settings.pulsar_admin_url == "http://localhost:8080"
    assert settings.pulsar_namespace == "persistent://public/default"
    assert settings.log_level == "INFO"
    assert settings.forwarded_allow_ips == ()  # no proxy is trusted unless named


def test_trusted_proxies_are_addresses_or_networks() -> None:
    env = Env({"FORWARDED_ALLOW_IPS": "10.0.0.5, 192.168.0.0/16"})
    assert RuntimeSettings.from_env("svc", 5001, env).forwarded_allow_ips == ("10.0.0.5", "192.168.0.0/16")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORT": "abc"}, "PORT must be an integer, got 'abc'"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535, got 70000"),
        (
            {"PULSAR_SERVICE_URL": "http://x:6650"},
            "PULSAR_SERVICE_URL must be a URL with scheme pulsar or pulsar+ssl",
        ),
        (
            {"PULSAR_NAMESPACE": "public/default"},
            "PULSAR_NAMESPACE must look like persistent://tenant/namespace",
        ),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"BIND_HOST": "  "}, "BIND_HOST must not be empty"),
        ({"FORWARDED_ALLOW_IPS": "proxy.local"}, "FORWARDED_ALLOW_IPS must list proxy addresses or networks"),
    ],
)
def test_a_malformed_variable_fails_naming_it(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("+", r"\+")):
        RuntimeSettings.from_env("svc", 5001, Env(environ))


def test_log_level_is_case_insensitive() -> None:
    assert RuntimeSettings.from_env("svc", 1, Env({"LOG_LEVEL": "debug"})).log_level == "DEBUG"
