"""Namespace scoping: the X-Namespace header, unresolved namespaces and collection lookup."""

from __future__ import annotations

from typing import Any

from .api import Api, Request
from .errors import ApiError

UNRESOLVED_HEADER = "X-Namespace-Unresolved"


def require_namespace(request: Request) -> str:
    """The raw X-Namespace value; 400 when the header is missing."""
    if not request.namespace:
        raise ApiError(
            400,
            "X-Namespace header is required: send the namespace id (ns_...) or name",
            code="namespace_required",
        )
    return request.namespace


def unresolved_headers(request: Request) -> dict[str, str]:
    """The response header that marks an unresolved namespace."""
    return {UNRESOLVED_HEADER: request.namespace or ""}


def unresolved_warning(request: Request) -> str:
    """The warning text for a list answered empty because the namespace did not resolve."""
    return (
        f"namespace/unresolved: X-Namespace '{request.namespace}' did not resolve for this API key, "
        "so this empty page is not that namespace's contents"
    )


def degraded_namespace(request: Request) -> dict[str, Any]:
    """A DegradedEntry for an unresolved namespace."""
    return {
        "resource": "namespace",
        "id": request.namespace,
        "reason": "unresolved",
        "next_step": "send an X-Namespace id (ns_...) or name this API key can access",
    }


def collection_or_404(api: Api, request: Request) -> dict[str, Any]:
    """The collection named by the path (id or name) in the request's namespace, else a 404 ErrorResponse."""
    namespace = require_namespace(request)
    identifier = request.params["collection"]
    if request.namespace_id is None:
        raise ApiError(
            404,
            f"collection '{identifier}' not found: namespace '{namespace}' did not resolve for this API key",
            code="collection_not_found",
            headers=unresolved_headers(request),
        )
    collection = api.store.get_collection(identifier, request.namespace_id)
    if collection is None:
        raise ApiError(
            404,
            f"collection '{identifier}' not found in namespace '{namespace}'",
            code="collection_not_found",
        )
    return collection
