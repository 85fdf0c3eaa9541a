"""Each event's shape is declared by its marshmallow schema (the contract), by the msgspec struct the compiled
reader uses (contracts/compiled.py) and by the dataclass both load into. This checks the three against each
other member by member, for the envelope and every published event type, nested objects included: a member
added, dropped or changed in one of them alone fails here, not later as events the fast path leaves to the
schemas (or worse, reads differently)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import pytest
from marshmallow import Schema, fields, validate
from msgspec import inspect as wire_types

from contracts import REGISTRY, EnvelopeSchema, IntegrationEvent, Sealed, SealedSchema, compiled
from contracts.events import ProcessingStep, ProcessingStepSchema, RuleViolation, RuleViolationSchema
from contracts.wire import JsonObjectField, StrictBoolean, UtcDateTime, UuidString


@dataclass(frozen=True)
class Member:
    """What the wire form asks of one member, as either declaration states it."""

    kind: object  # a name below, the choices of an enumeration, ("list", the items' members) or
    # ("object", the members of a nested object with a declared shape)
    required: bool
    nullable: bool
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    pattern: str | None = None  # anchored at the start by both readers


Members = dict[str, Member]

# The schemas' own field types, and the kind each stands for.
SCHEMA_KINDS: dict[type[fields.Field[Any]], str] = {
    fields.String: "string",
    UuidString: "uuid",
    UtcDateTime: "timestamp",
    fields.Integer: "integer",
    StrictBoolean: "boolean",
    JsonObjectField: "object",
    fields.Dict: "object",
}


def _pattern(annotated: object) -> str | None:
    info = wire_types.type_info(annotated)
    assert isinstance(info, wire_types.StrType)
    return info.pattern


# The compiled reader's strings that stand for a schema field type of their own (in the stricter form our
# encoder writes), rather than for a string with a pattern.
STRUCT_STRING_KINDS = {_pattern(compiled.Uuid): "uuid", _pattern(compiled.Moment): "timestamp"}


def schema_members(schema: Schema) -> Members:
    return {name: _schema_member(field) for name, field in schema.fields.items()}


def _schema_member(field: fields.Field[Any]) -> Member:
    def bound(kind: type[validate.Validator], attribute: str) -> Any:
        return next((getattr(v, attribute) for v in field.validators if isinstance(v, kind)), None)

    regex = bound(validate.Regexp, "regex")
    choices = bound(validate.OneOf, "choices")
    if isinstance(field, fields.List):
        assert isinstance(field.inner, fields.Nested)
        kind: object = ("list", schema_members(field.inner.schema))
    elif isinstance(field, fields.Nested):
        kind = ("object", schema_members(field.schema))
    else:
        kind = frozenset(choices) if choices is not None else SCHEMA_KINDS[type(field)]
    return Member(
        kind,
        field.required,
        field.allow_none,
        min_length=bound(validate.Length, "min"),
        max_length=bound(validate.Length, "max"),
        minimum=bound(validate.Range, "min"),
        pattern=None if regex is None else regex.pattern,
    )


def struct_members(struct: type[msgspec.Struct]) -> Members:
    info = wire_types.type_info(struct)
    assert isinstance(info, wire_types.StructType)
    return {field.encode_name: _struct_member(field.type, field.required) for field in info.fields}


def _struct_member(info: wire_types.Type, required: bool) -> Member:
    nullable = isinstance(info, wire_types.UnionType) and any(
        isinstance(t, wire_types.NoneType) for t in info.types
    )
    if isinstance(info, wire_types.UnionType):
        [info] = [t for t in info.types if not isinstance(t, wire_types.NoneType)]
    if isinstance(info, wire_types.StrType) and info.pattern in STRUCT_STRING_KINDS:
        return Member(STRUCT_STRING_KINDS[info.pattern], required, nullable)
    if isinstance(info, wire_types.StrType):
        pattern = None if info.pattern is None else info.pattern.removeprefix("^")
        return Member(
            "string",
            required,
            nullable,
            min_length=info.min_length,
            max_length=info.max_length,
            pattern=pattern,
        )
    if isinstance(info, wire_types.IntType):
        return Member("integer", required, nullable, minimum=info.ge)
    if isinstance(info, wire_types.ListType):
        assert isinstance(info.item_type, wire_types.StructType)
        return Member(("list", struct_members(info.item_type.cls)), required, nullable)
    if isinstance(info, wire_types.StructType):
        return Member(("object", struct_members(info.cls)), required, nullable)
    if isinstance(info, wire_types.LiteralType):
        return Member(frozenset(info.values), required, nullable)
    kinds = {wire_types.BoolType: "boolean", wire_types.DictType: "object", wire_types.AnyType: "object"}
    return Member(kinds[type(info)], required, nullable)


def init_members(data_class: type[Any]) -> set[str]:
    return {field.name for field in dataclasses.fields(data_class) if field.init}


@pytest.mark.parametrize("event_type", sorted(REGISTRY))
def test_an_event_types_schema_and_compiled_struct_declare_the_same_members(event_type: str) -> None:
    spec = REGISTRY[event_type]

    assert struct_members(compiled.FORMATS[event_type].struct) == schema_members(spec.codec)


def test_the_envelope_schema_and_compiled_struct_declare_the_same_members() -> None:
    assert struct_members(compiled.Envelope) == schema_members(EnvelopeSchema())


@pytest.mark.parametrize(
    ("schema", "data_class"),
    [
        *((spec.codec, spec.data_class) for spec in REGISTRY.values()),
        (RuleViolationSchema(), RuleViolation),
        (ProcessingStepSchema(), ProcessingStep),
        (SealedSchema(), Sealed),
        (EnvelopeSchema(), IntegrationEvent),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Schema) else value.__name__,
)
def test_each_schema_loads_into_a_dataclass_with_the_same_members(
    schema: Schema, data_class: type[Any]
) -> None:
    assert init_members(data_class) == set(schema.fields)


def test_the_comparison_sees_a_difference() -> None:
    class Narrower(msgspec.Struct):
        rule: str  # the schema asks for a non-empty string
        field: str
        message: compiled.Moment  # a timestamp, not text

    members, expected = struct_members(Narrower), schema_members(RuleViolationSchema())

    assert {name for name in expected if members[name] != expected[name]} == {"rule", "message"}


def test_the_sealed_value_has_the_same_members_in_both_readers() -> None:
    assert struct_members(compiled._Sealed) == schema_members(SealedSchema())


class _LooserSealed(msgspec.Struct):
    nonce: str  # no pattern
    ciphertext: Annotated[str, msgspec.Meta(min_length=16)]


class _IngestedWithLooserSealed(compiled._DataIngested):
    sealed_payload: _LooserSealed | None = None  # type: ignore[assignment]


class _ErasedWithLongerReason(msgspec.Struct):
    erased_at: compiled.Moment
    erased_by: Annotated[str, msgspec.Meta(min_length=1)]
    reason: Annotated[str, msgspec.Meta(max_length=501)] | None = None


def test_the_comparison_sees_a_different_bound_inside_a_nested_object() -> None:
    members = struct_members(_IngestedWithLooserSealed)
    expected = schema_members(REGISTRY["DataIngested"].codec)

    assert {name for name in expected if members[name] != expected[name]} == {"sealed_payload"}


def test_the_comparison_sees_a_different_maximum_length() -> None:
    members = struct_members(_ErasedWithLongerReason)
    expected = schema_members(REGISTRY["DataErased"].codec)

    assert {name for name in expected if members[name] != expected[name]} == {"reason"}
