"""Query parameters as the API reads them: each at most once, since a repeated one has no one meaning."""

from __future__ import annotations

from flask import request

from query_svc.domain.errors import InvalidQuery


def single_args() -> dict[str, str]:
    """The request's query parameters, or InvalidQuery naming those given more than once."""
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise InvalidQuery(f"{', '.join(repeated)} given more than once; give each parameter once")
    return request.args.to_dict()
