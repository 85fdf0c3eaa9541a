"""API keys for tests that build an app on a key file of their own."""

from __future__ import annotations

from pathlib import Path

from eventkit.auth.keys import add_key


class TestKeys:
    """A key file with keys for partner123, partner456 and an admin."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partner = add_key(path, "partner", "partner123")
        self.other = add_key(path, "partner", "partner456")
        self.admin = add_key(path, "admin")
