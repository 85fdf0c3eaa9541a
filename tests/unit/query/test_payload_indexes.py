"""Partners' payload index declarations: what a file may declare, and the errors that say what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventkit.settings import Env, SettingsError
from query_svc.domain.payload_indexes import PayloadIndex, parse_declarations
from query_svc.settings import Settings


def test_declarations_name_one_index_per_field_shared_by_partners() -> None:
    declared = parse_declarations(
        {"p1": ["payload.age", "payload.address.city", "payload.age"], "p2": ["payload.age"]}, "test"
    )
    assert declared == (
        PayloadIndex("p1", "payload.age", "payload.age"),
        PayloadIndex("p1", "payload.address.city", "payload.address.city"),
        PayloadIndex("p2", "payload.age", "payload.age"),
    )
    assert declared[0].name == declared[2].name == "partner_payload.age"
    assert declared[1].keys == (("partner_id", 1), ("payload.address.city", 1), ("_id", 1))


def test_an_escaped_segment_is_indexed_under_the_name_the_view_stores() -> None:
    (index,) = parse_declarations({"p1": ["payload.a%2Eb"]}, "test")
    assert index.field == "payload.a%2Eb"
    assert index.store_path != "payload.a.b"  # a dot inside a key is not a path separator in the store


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ([], "JSON object"),
        ({"p 1": ["payload.age"]}, "not a partner id"),
        ({"p1": "payload.age"}, "list of field names"),
        ({"p1": ["status"]}, "not a payload field"),
        ({"p1": ["payload.a b"]}, "not filterable"),
        ({"p1": [f"payload.f{i}" for i in range(17)]}, "at most 16"),
    ],
)
def test_a_bad_declaration_is_refused_with_what_is_wrong(document: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_declarations(document, "test")


def test_the_settings_read_the_file_and_name_it_in_every_error(tmp_path: Path) -> None:
    good = tmp_path / "indexes.json"
    good.write_text(json.dumps({"p1": ["payload.age"]}))
    settings = Settings.from_env(Env({"QUERY_PAYLOAD_INDEXES_FILE": str(good)}))
    assert [d.field for d in settings.payload_indexes] == ["payload.age"]
    assert Settings.from_env(Env({})).payload_indexes == ()

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SettingsError, match=f"QUERY_PAYLOAD_INDEXES_FILE {bad}: not JSON"):
        Settings.from_env(Env({"QUERY_PAYLOAD_INDEXES_FILE": str(bad)}))
    with pytest.raises(SettingsError, match="cannot read it"):
        Settings.from_env(Env({"QUERY_PAYLOAD_INDEXES_FILE": str(tmp_path / "missing.json")}))
    bad.write_text(json.dumps({"p1": ["version"]}))
    with pytest.raises(SettingsError, match="not a payload field"):
        Settings.from_env(Env({"QUERY_PAYLOAD_INDEXES_FILE": str(bad)}))
