"""Response schemas of processing's HTTP API."""

from __future__ import annotations

from marshmallow import Schema, fields


class StepEventSchema(Schema):
    """One stored step event of a record, as GET /processing/{id} lists it."""

    event_id = fields.String(required=True)
    event_type = fields.String(
        required=True, metadata={"description": "StepSucceeded, StepFailed or StepSkipped"}
    )
    version = fields.Integer(required=True, metadata={"description": "position in the record's stream"})
    # No `position`: the processing store's global sequence would tell a partner how much others wrote.
    occurred_at = fields.DateTime(required=True)
    data = fields.Dict(
        required=True,
        metadata={
            "description": "record_version, step, step_version, pipeline_version and the step's details; "
            "once the record is erased, details is null and erased is true"
        },
    )
    metadata = fields.Dict(required=True)
