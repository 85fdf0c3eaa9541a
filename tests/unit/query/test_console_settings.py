"""The console is off without a secret, reads it from a variable or a file, and refuses a weak one at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventkit.settings import Env, SettingsError
from query_svc.console_settings import ConsoleSettings

SECRET = "s" * 32


def test_without_a_secret_the_console_is_off() -> None:
    settings = ConsoleSettings.from_env(Env({}))
    assert (settings.secret_key, settings.secure_cookie, settings.session_minutes) == (None, True, 480)


def test_the_secret_comes_from_the_variable_or_else_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("f" * 40 + "\n")
    assert ConsoleSettings.from_env(Env({"CONSOLE_SECRET_KEY_FILE": str(path)})).secret_key == "f" * 40
    assert ConsoleSettings.from_env(Env({"CONSOLE_SECRET_KEY": SECRET})).secret_key == SECRET
    both = Env({"CONSOLE_SECRET_KEY": SECRET, "CONSOLE_SECRET_KEY_FILE": str(path)})
    with pytest.raises(SettingsError, match="set CONSOLE_SECRET_KEY or CONSOLE_SECRET_KEY_FILE, not both"):
        ConsoleSettings.from_env(both)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CONSOLE_SECRET_KEY": "short"}, "CONSOLE_SECRET_KEY must hold at least 32"),
        ({"CONSOLE_SECRET_KEY_FILE": "/nonexistent/secret"}, "CONSOLE_SECRET_KEY_FILE"),
        ({"CONSOLE_SECRET_KEY": SECRET, "CONSOLE_COOKIE_SECURE": "maybe"}, "CONSOLE_COOKIE_SECURE"),
        ({"CONSOLE_SECRET_KEY": SECRET, "CONSOLE_SESSION_MINUTES": "0"}, "CONSOLE_SESSION_MINUTES"),
    ],
)
def test_a_malformed_console_setting_fails_at_start_naming_the_variable(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        ConsoleSettings.from_env(Env(environ))
