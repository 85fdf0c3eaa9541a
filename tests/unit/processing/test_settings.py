"""The consumer and the API ask ingestion for data keys: without a service key they refuse to start."""

from __future__ import annotations

import pytest

from eventkit.sealing.keys import CachedDataKeys
from eventkit.settings import Env, SettingsError
from processing_svc.bootstrap import bootstrap
from processing_svc.settings import Settings


def test_the_api_is_not_built_without_one_and_the_relay_needs_none() -> None:
    settings = Settings.from_env(Env({}))
    assert settings.key_service is None  # the relay and migrate read these settings too
    with pytest.raises(SettingsError, match="KEY_SERVICE_API_KEY"):
        bootstrap(settings)


def test_a_service_key_gives_the_key_store() -> None:
    env = Env({"KEY_SERVICE_API_KEY": "dik_svc_secret", "KEY_SERVICE_URL": "http://127.0.0.1:5001"})
    settings = Settings.from_env(env)
    assert settings.key_service is not None and settings.key_service.url == "http://127.0.0.1:5001"
    assert isinstance(settings.data_keys(), CachedDataKeys)
