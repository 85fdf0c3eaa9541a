"""INGESTION_KEK_FILE: what a valid file is, data keys wrapped under its KEKs, re-reading it when it changes,
and the rotation's edits to it (a new current KEK, retiring unused ones)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from eventkit.sealing.cipher import DataKey
from eventkit.settings import Env, SettingsError
from ingestion_svc.adapters.kek import KekFile, KekFileError, UnwrapFailed, add_kek, retire_keks
from ingestion_svc.bootstrap import bootstrap
from ingestion_svc.settings import Settings
from tests.ingestion_db import write_kek_file

KEK = base64.b64encode(b"k" * 32).decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"current": "a", "keys": {}}', 'non-empty "keys"'),
        (json.dumps({"keys": {"a": KEK}}), '"current" must name one of its keys'),
        ('{"current": "a", "keys": {"a": "c2hvcnQ="}}', "base64 of 32 bytes"),
        ('{"current": "a", "keys": {"a": "not base64!"}}', "base64 of 32 bytes"),
    ],
)
def test_a_malformed_file_stops_with_what_is_wrong_and_how_to_make_one(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "kek.json"
    path.write_text(content)
    with pytest.raises(KekFileError, match=message) as info:
        KekFile(path)
    assert "make up creates one" in str(info.value)


def test_a_missing_file_or_variable_stops_the_api_saying_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KekFileError, match="make up creates one"):
        KekFile(tmp_path / "absent.json")
    settings = Settings.from_env(Env({"API_KEYS_FILE": str(tmp_path / "keys.json")}))
    with pytest.raises(SettingsError, match="INGESTION_KEK_FILE"):
        bootstrap(settings)
    missing = Settings.from_env(Env({"INGESTION_KEK_FILE": str(tmp_path / "absent.json")}))
    with pytest.raises(SettingsError, match=r"absent\.json"):
        bootstrap(missing)


def test_a_wrapped_key_opens_for_its_record_only_and_never_holds_the_key_in_clear(tmp_path: Path) -> None:
    ring = write_kek_file(tmp_path / "kek.json").ring()
    key = DataKey.new("record-1")
    kek_id, wrapped = ring.wrap(key)
    assert kek_id == "kek-1" and key.secret not in wrapped
    assert ring.unwrap("record-1", kek_id, wrapped) == key
    with pytest.raises(UnwrapFailed):
        ring.unwrap("record-2", kek_id, wrapped)
    with pytest.raises(UnwrapFailed, match="not in the file"):
        ring.unwrap("record-1", "kek-0", wrapped)


def test_a_changed_file_is_read_again_and_a_broken_change_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    keks = write_kek_file(path)
    kek_id = add_kek(path)
    assert keks.ring().current == kek_id
    path.write_text("{half written")
    os.utime(path, ns=(1, 1))
    assert keks.ring().current == kek_id


def test_rotation_edits_keep_the_file_private_and_older_keks_until_retired(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    write_kek_file(path)
    new = add_kek(path)
    document = json.loads(path.read_text())
    assert (document["current"], sorted(document["keys"])) == (new, sorted(["kek-1", new]))
    assert path.stat().st_mode & 0o777 == 0o600
    assert retire_keks(path, still_used=["kek-1"]) == []
    assert retire_keks(path, still_used=[]) == ["kek-1"]
    assert list(json.loads(path.read_text())["keys"]) == [new]
    assert path.stat().st_mode & 0o777 == 0o600
