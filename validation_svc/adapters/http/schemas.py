"""Response schemas of validation's HTTP API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump


class LogEntrySchema(Schema):
    position = fields.String(metadata={"description": "The entry's id in the record's Redis stream"})
    type = fields.String(attribute="entry.type")
    record_version = fields.Integer(attribute="entry.record_version")
    causation_id = fields.String(attribute="entry.causation_id")
    ruleset_version = fields.String(attribute="entry.ruleset_version")
    detail = fields.Dict(attribute="entry.detail")


class RecordLogSchema(Schema):
    data_id = fields.String()
    partner_id = fields.String()
    entries = fields.List(fields.Nested(LogEntrySchema))


class RuleSchema(Schema):
    rule = fields.String(attribute="kind")
    field = fields.String(attribute="path")
    type = fields.String(attribute="type_name")
    min = fields.Float(attribute="minimum", allow_none=True)
    max = fields.Float(attribute="maximum", allow_none=True)
    pattern = fields.String()
    values = fields.List(fields.Raw())

    @post_dump
    def _only_its_parameters(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {name: value for name, value in data.items() if value not in (None, "", [])}


class RulesetSchema(Schema):
    version = fields.String(metadata={"description": "Goes into every DataValidated as ruleset_version"})
    rules = fields.List(fields.Nested(RuleSchema))
    partners = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(RuleSchema)),
        metadata={"description": "Per-partner rules (admin keys only)"},
    )
