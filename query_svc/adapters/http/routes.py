"""query_svc's HTTP routes: thin translations between HTTP and the read use cases."""

from __future__ import annotations

from typing import Any

from flask import Response

from eventkit.auth.principal import current_principal
from eventkit.http.blueprint import Blueprint, strict_json_body
from query_svc.adapters.http.params import single_args
from query_svc.adapters.http.rendering import json_response, next_link
from query_svc.adapters.http.waits import WaitSlots
from query_svc.application.indexes import IndexListing
from query_svc.application.listing import DEFAULT_LIMIT, MAX_LIMIT, bounded_int
from query_svc.application.queries import RecordQueries
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import parse_date

MAX_WAIT_MS = 10_000
_LIST_DOC = (
    "A JSON array of records, paged by `limit` (default 100, max 1000) and the opaque `cursor` of the "
    '`Link: <...>; rel="next"` header (also alone in `Next-Cursor`, the only one when the query is too long '
    "to repeat in a header); filter with `filter=<JSON>` and/or `field__op=value`, order with "
    "`sort=-timestamp,version`, project with `fields=id,status`."
)


def query_blueprint(queries: RecordQueries, waits: WaitSlots, indexes: IndexListing) -> Blueprint:
    blp = Blueprint(
        "query", __name__, url_prefix="/query", description="Records view: state, history, filters"
    )

    @blp.route("/all", methods=["GET"])
    @blp.doc(parameters=_LIST_PARAMETERS)
    @blp.response(200, description=_LIST_DOC)
    @blp.alt_response(400, description="A filter, sort, fields, limit or cursor the language refuses")
    def list_all() -> Response:
        page = queries.list(single_args(), current_principal().partner_scope)
        return json_response(page.items, headers=next_link(page.next_cursor))

    @blp.route("/partner/<partner_id>", methods=["GET"])
    @blp.doc(parameters=_LIST_PARAMETERS)
    @blp.response(200, description=f"{_LIST_DOC} Another partner's list is empty for a partner key.")
    @blp.alt_response(400, description="A filter, sort, fields, limit or cursor the language refuses")
    def list_partner(partner_id: str) -> Response:
        if not current_principal().may_access(partner_id):
            return json_response([])
        page = queries.list(single_args(), partner_id)
        return json_response(page.items, headers=next_link(page.next_cursor))

    @blp.route("/search", methods=["POST"])
    @blp.response(200, description="The same as GET /query/all with the parameters in a JSON body")
    @blp.alt_response(400, description="A filter, sort, fields, limit or cursor the language refuses")
    def search() -> Response:
        body = strict_json_body()
        if not isinstance(body, dict):
            raise InvalidQuery("the body must be a JSON object with filter, sort, fields, limit and cursor")
        params = {k: v for k, v in body.items() if k in ("filter", "sort", "fields", "limit", "cursor")}
        if set(body) - set(params):
            raise InvalidQuery(f"unknown keys {sorted(set(body) - set(params))}")
        page = queries.list(params, current_principal().partner_scope)
        headers = {"Next-Cursor": page.next_cursor} if page.next_cursor else {}
        return json_response(page.items, headers=headers)

    @blp.route("/indexes", methods=["GET"])
    @blp.response(
        200,
        description="The view's indexes (name and fields in order) and the partners' declared payload "
        "indexes with whether the active generation has each yet; a partner sees its own declarations only",
    )
    def list_indexes() -> Response:
        return json_response(indexes.describe(current_principal().partner_scope))

    @blp.route("/stats", methods=["GET"])
    @blp.response(200, description="Counts of visible records by status (and by partner for admins)")
    def stats() -> Response:
        return json_response(queries.stats(current_principal().partner_scope))

    @blp.route("/<uuid:record_id>", methods=["GET"])
    @blp.doc(parameters=_RECORD_PARAMETERS)
    @blp.response(200, description="The record now, at `as_of`, or once it reaches `min_version`")
    @blp.alt_response(404, description="No such record for this caller, or it did not exist yet at as_of")
    @blp.alt_response(429, description="Too many reads of this key (or worker) already wait for a version")
    def get_record(record_id: Any) -> Response:
        principal = current_principal()
        scope = principal.partner_scope
        args = single_args()
        as_of = args.get("as_of")
        if as_of:
            return json_response(queries.as_of(str(record_id), parse_date(as_of, "as_of"), scope))
        min_version = _bounded_int(args, "min_version", 1, 2**31)
        if min_version is None:
            return json_response(queries.get(str(record_id), scope))
        wait_ms = _bounded_int(args, "wait_ms", 0, MAX_WAIT_MS) or 0
        if not wait_ms:
            record, stale = queries.wait_for(str(record_id), scope, min_version, 0)
        else:
            with waits.slot(principal.key_id):
                record, stale = queries.wait_for(str(record_id), scope, min_version, wait_ms / 1000)
        return json_response(record, headers={"View-Stale": "true" if stale else "false"})

    @blp.route("/<uuid:record_id>/history", methods=["GET"])
    @blp.response(200, description="The record's timeline of applied events, oldest first")
    @blp.alt_response(404, description="No such record for this caller")
    def history(record_id: Any) -> Response:
        return json_response(queries.history(str(record_id), current_principal().partner_scope))

    return blp


def _bounded_int(args: dict[str, str], name: str, low: int, high: int) -> int | None:
    raw = args.get(name)
    return None if raw in (None, "") else bounded_int(raw, name, low, high)


def _query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a parameter that, left empty (`limit=`), means the same as absent."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


# Declared so the documents (and the fuzzers that read them) show them; the routes parse them themselves,
# because the shorthand `field__op=value` parameters of a list cannot be declared one by one.
_LIST_PARAMETERS = [
    _query_parameter("filter", {"type": "string"}, "A filter object as JSON (see docs/query.md)"),
    _query_parameter("sort", {"type": "string"}, "Fields to order by, `-` for descending"),
    _query_parameter("fields", {"type": "string"}, "Fields to answer, comma-separated"),
    _query_parameter(
        "limit",
        _or_empty({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        "Page size",
    ),
    _query_parameter("cursor", {"type": "string"}, "The opaque cursor of the previous page's Link header"),
]
_RECORD_PARAMETERS = [
    _query_parameter(
        "as_of", _or_empty({"type": "string", "format": "date-time"}), "The record as it was then"
    ),
    _query_parameter(
        "min_version", _or_empty({"type": "integer", "minimum": 1, "maximum": 2**31}), "Wait for this version"
    ),
    _query_parameter(
        "wait_ms",
        _or_empty({"type": "integer", "minimum": 0, "maximum": MAX_WAIT_MS}),
        "How long to wait for it",
    ),
]
