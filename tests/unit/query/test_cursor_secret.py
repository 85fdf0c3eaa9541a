"""Where query's cursor secret comes from: its own variable, else the console's secret, else this process."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventkit.settings import Env, SettingsError
from query_svc.settings import Settings

SECRET = "c" * 40


def test_the_cursor_secret_comes_from_its_variable_or_file(tmp_path: Path) -> None:
    path = tmp_path / "cursor-secret"
    path.write_text(SECRET + "\n")
    from_file = Settings.from_env(Env({"CURSOR_SECRET_KEY_FILE": str(path)}))
    assert from_file.cursor_secret == SECRET.encode() and from_file.cursor_secret_shared
    assert Settings.from_env(Env({"CURSOR_SECRET_KEY": SECRET})).cursor_secret == SECRET.encode()


def test_without_one_it_is_derived_from_the_console_secret_never_equal_to_it() -> None:
    settings = Settings.from_env(Env({"CONSOLE_SECRET_KEY": SECRET}))
    again = Settings.from_env(Env({"CONSOLE_SECRET_KEY": SECRET}))
    assert settings.cursor_secret == again.cursor_secret != SECRET.encode()  # every worker derives the same
    assert settings.cursor_secret_shared


def test_with_neither_each_process_makes_its_own_and_says_it_is_not_shared() -> None:
    first, second = Settings.from_env(Env({})), Settings.from_env(Env({}))
    assert first.cursor_secret != second.cursor_secret
    assert not first.cursor_secret_shared


def test_a_short_cursor_secret_fails_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="CURSOR_SECRET_KEY must hold at least 32"):
        Settings.from_env(Env({"CURSOR_SECRET_KEY": "short"}))
