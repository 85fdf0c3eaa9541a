"""Routes for the other services of the system, callable with a key of role service only."""

from __future__ import annotations

import base64
from typing import Any

from eventkit.auth.guard import for_services
from eventkit.http.blueprint import Blueprint
from ingestion_svc.adapters.http.schemas import UnwrapRequestSchema, UnwrapResultSchema
from ingestion_svc.application.queries import IngestionQueries


def keys_blueprint(queries: IngestionQueries) -> Blueprint:
    blp = Blueprint(
        "keys", __name__, url_prefix="/internal/keys", description="Records' data keys, for the services"
    )

    @blp.route("/unwrap", methods=["POST"])
    @for_services
    @blp.arguments(UnwrapRequestSchema)
    @blp.response(200, UnwrapResultSchema, description="Live keys; erased and unknown records by id")
    def unwrap(body: dict[str, Any]) -> dict[str, Any]:
        answer = queries.data_keys([str(data_id) for data_id in body["data_ids"]])
        keys = {data_id: base64.b64encode(key.secret).decode("ascii") for data_id, key in answer.keys.items()}
        return {"keys": keys, "erased": answer.erased, "unknown_ids": answer.unknown}

    return blp
