"""Taxonomies: the seeded flat and hierarchical ones, and GET /v1/taxonomies/{taxonomy}."""

from __future__ import annotations

from typing import Any

from .api import Api, Request, Response
from .errors import ApiError
from .scope import require_namespace


def flat_taxonomy(taxonomy_id: str, collection_id: str, created_at: str) -> dict[str, Any]:
    """A flat taxonomy (top_k 3) as TaxonomyResponse."""
    config = {
        "taxonomy_type": "flat",
        "retriever_id": "ret_taxonomy01",
        "input_mappings": [{"input_key": "query", "source_type": "payload", "path": "title"}],
        "source_collection": {"collection_id": collection_id},
        "top_k": 3,
    }
    return _taxonomy(taxonomy_id, "Product categories", config, created_at)


def hierarchical_taxonomy(taxonomy_id: str, created_at: str) -> dict[str, Any]:
    """A hierarchical taxonomy built from a path field, as TaxonomyResponse."""
    config = {"taxonomy_type": "hierarchical", "path_field": "metadata.category_path", "path_separator": "/"}
    return _taxonomy(taxonomy_id, "Product hierarchy", config, created_at)


def _taxonomy(taxonomy_id: str, name: str, config: dict[str, Any], created_at: str) -> dict[str, Any]:
    return {
        "taxonomy_id": taxonomy_id,
        "taxonomy_name": name,
        "version": 1,
        "config": config,
        "ready": True,
        "created_at": created_at,
    }


def get_taxonomy(api: Api, request: Request) -> Response:
    """GET /v1/taxonomies/{taxonomy} (id or name) → TaxonomyResponse, or a 404 naming it."""
    namespace = require_namespace(request)
    identifier = request.params["taxonomy"]
    taxonomy = api.store.get_taxonomy(identifier, request.namespace_id) if request.namespace_id else None
    if taxonomy is None:
        message = f"taxonomy '{identifier}' not found in namespace '{namespace}'"
        raise ApiError(404, message, code="taxonomy_not_found")
    return Response(200, taxonomy)
