"""A malformed rules file stops the start, naming the variable, the file and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventkit.settings import Env, SettingsError
from tests.helpers import run_service
from tests.stack import REPO_ROOT
from validation_svc.settings import Settings


def test_the_default_rules_file_is_the_shipped_one() -> None:
    settings = Settings.from_env(Env({}))
    assert settings.rule_book.version == "1"
    assert Path(settings.rules_file) == REPO_ROOT / "infra/validation/rules.json"


def test_a_malformed_rules_file_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text('{"version": "1", "default": [{"rule": "range", "field": "age"}]}', encoding="utf-8")
    with pytest.raises(
        SettingsError, match=r"VALIDATION_RULES_FILE: .*default\[0\] needs 'min', 'max' or both"
    ):
        Settings.from_env(Env({"VALIDATION_RULES_FILE": str(path)}))


def test_the_command_line_refuses_to_start_with_it(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text("not json", encoding="utf-8")
    result = run_service("validation_svc", "consume", env={"VALIDATION_RULES_FILE": str(path)})
    assert result.returncode == 1
    assert (
        f"validation_svc: configuration error: VALIDATION_RULES_FILE: {path} is not valid JSON"
        in result.stderr
    )


def test_a_service_key_file_gives_the_consumer_its_key_store(tmp_path: Path) -> None:
    key_file = tmp_path / "service-key"
    key_file.write_text("dik_svc_secret\n", encoding="utf-8")
    env = {"KEY_SERVICE_API_KEY_FILE": str(key_file), "KEY_SERVICE_URL": "http://127.0.0.1:5001"}
    settings = Settings.from_env(Env(env))
    assert settings.key_service is not None
    assert (settings.key_service.url, settings.key_service.api_key) == (
        "http://127.0.0.1:5001",
        "dik_svc_secret",
    )
    assert Settings.from_env(Env({})).key_service is None
    with pytest.raises(SettingsError, match="KEY_SERVICE_API_KEY"):
        Settings.from_env(Env({})).data_keys()


def test_the_old_name_of_the_redelivery_limit_stops_the_start_saying_the_new_one() -> None:
    with pytest.raises(SettingsError, match="VALIDATION_MAX_REDELIVERIES"):
        Settings.from_env(Env({"MAX_REDELIVERIES": "3"}))

    assert Settings.from_env(Env({"VALIDATION_MAX_REDELIVERIES": "3"})).delivery.max_redeliveries == 3
