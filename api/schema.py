"""Schema post-processing: answers every operation can give, documented once."""

from __future__ import annotations

from typing import Any

COMMON = {
    "401": "A token was sent but is not valid (unknown, revoked or expired), or the operation "
    "needs a signed-in user.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


def add_common_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Any request may carry a bad token (401) and any client may be rate-limited (429)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
