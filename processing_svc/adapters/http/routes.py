"""processing's HTTP routes: a record's processing events, scoped to the caller's partner."""

from __future__ import annotations

from typing import Any

from eventkit.auth.principal import current_principal
from eventkit.http.blueprint import Blueprint
from processing_svc.adapters.http.schemas import StepEventSchema
from processing_svc.application.queries import ProcessingQueries


def processing_blueprint(queries: ProcessingQueries) -> Blueprint:
    blp = Blueprint("processing", __name__, url_prefix="/processing", description="Processing results")

    @blp.route("/<uuid:record_id>", methods=["GET"])
    @blp.response(200, StepEventSchema(many=True), description="The record's step events, oldest first")
    def record_events(record_id: Any) -> Any:
        return queries.history(str(record_id), current_principal().partner_scope)

    return blp
