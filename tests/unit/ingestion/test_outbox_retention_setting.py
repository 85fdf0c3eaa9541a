"""OUTBOX_RETENTION_S: how long a relay keeps published outbox rows, read once and checked at start."""

from __future__ import annotations

import pytest

from eventkit.settings import Env, SettingsError
from ingestion_svc.settings import Settings as IngestionSettings
from processing_svc.settings import Settings as ProcessingSettings


@pytest.mark.parametrize("settings", [IngestionSettings, ProcessingSettings])
def test_published_outbox_rows_are_kept_a_minute_unless_configured(
    settings: type[IngestionSettings] | type[ProcessingSettings],
) -> None:
    assert settings.from_env(Env({})).outbox_retention_s == 60
    assert settings.from_env(Env({"OUTBOX_RETENTION_S": "0"})).outbox_retention_s == 0
    with pytest.raises(SettingsError, match="OUTBOX_RETENTION_S"):
        settings.from_env(Env({"OUTBOX_RETENTION_S": "-1"}))
