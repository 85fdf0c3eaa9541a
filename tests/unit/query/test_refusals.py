"""A refused bulk write is told by position and code, never by the documents the driver quotes."""

from __future__ import annotations

from query_svc.adapters.mongo.errors import refused


def test_a_refusal_names_positions_and_codes_but_not_the_refused_documents() -> None:
    write_errors = [
        {
            "index": 3,
            "code": 2,
            "errmsg": "bad value 'Ada Lovelace'",
            "op": {"payload": {"name": "Ada Lovelace"}},
        }
    ]
    message = str(refused("views", write_errors))
    assert "(3, 2)" in message and "views" in message
    assert "Ada" not in message
