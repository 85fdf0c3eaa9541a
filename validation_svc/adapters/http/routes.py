"""validation's HTTP routes: a record's validation log and the active rules."""

from __future__ import annotations

from typing import Any

from eventkit.auth.principal import current_principal
from eventkit.http.blueprint import Blueprint
from validation_svc.adapters.http.schemas import RecordLogSchema, RulesetSchema
from validation_svc.application.queries import ValidationQueries
from validation_svc.domain.ruleset import RuleBook


def validation_blueprint(queries: ValidationQueries, rule_book: RuleBook) -> Blueprint:
    blp = Blueprint("validation", __name__, url_prefix="/validation", description="Validation log and rules")

    @blp.route("/rules", methods=["GET"])
    @blp.response(200, RulesetSchema, description="The caller's effective ruleset; admins also see partners'")
    def rules() -> dict[str, Any]:
        principal = current_principal()
        if principal.partner_id is not None:
            ruleset = rule_book.for_partner(principal.partner_id)
            return {"version": ruleset.version, "rules": ruleset.rules, "partners": {}}
        return {"version": rule_book.version, "rules": rule_book.default, "partners": rule_book.partners}

    @blp.route("/<uuid:record_id>", methods=["GET"])
    @blp.response(200, RecordLogSchema, description="The record's validation log, oldest first")
    def get_log(record_id: Any) -> dict[str, Any]:
        entries = queries.record_log(str(record_id), current_principal().partner_scope)
        first = entries[0].entry
        return {"data_id": first.data_id, "partner_id": first.partner_id, "entries": entries}

    return blp
