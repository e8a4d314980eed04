"""A collection's schema mapped to views: typed columns, child views for arrays, embeddings. Pure: no SQL here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from mixpeek_snowflake.snowflake.tables import DOCUMENTS
from mixpeek_snowflake.views.inference import SAMPLED, infer_properties, merge_properties
from mixpeek_snowflake.views.names import MAX_VIEW_CHARS, NamePool, joined, safe_identifier

TABLE, DOCUMENT, ITEM, INDEX = "table", "document", "item", "index"
VARIANT = "VARIANT"
SQL_TYPES = {
    "string": "VARCHAR",
    "text": "VARCHAR",
    "number": "FLOAT",
    "float": "FLOAT",
    "integer": "NUMBER(38,0)",
    "boolean": "BOOLEAN",
    "date": "TIMESTAMP_NTZ",
    "datetime": "TIMESTAMP_NTZ",
}
MAX_DEPTH = 4
MAX_VECTOR_DIMENSIONS = 4096
MAX_COMMENT_CHARS = 1000
SYSTEM_KEYS = frozenset(
    {"document_id", "collection_id", "document_blobs", "searchable_at", "vector_hydration_incomplete"}
)
DOCUMENT_COLUMNS = (
    "DOCUMENT_ID",
    "COLLECTION_ID",
    "NAMESPACE_ID",
    "CREATED_AT",
    "UPDATED_AT",
    "MODALITY",
    "MIME_TYPE",
    "SOURCE_URL",
    "SOURCE_OBJECT_ID",
    "ROOT_OBJECT_ID",
    "ROOT_BUCKET_ID",
    "SIZE_BYTES",
    "METADATA",
    "LAST_SYNCED_AT",
)
ITEM_PARENT_COLUMNS = ("DOCUMENT_ID", "COLLECTION_ID", "UPDATED_AT")
ITEM_INDEX = "ITEM_INDEX"


@dataclass(frozen=True)
class ViewColumn:
    """One view column: its identifier, SQL type, where its value comes from and its comment."""

    name: str
    type: str
    origin: str
    path: tuple[str, ...]
    comment: str
    dimensions: int | None = None


@dataclass(frozen=True)
class ViewSpec:
    """One view: the documents view (array_path None) or a child view flattening the array at array_path."""

    name: str
    comment: str
    columns: tuple[ViewColumn, ...]
    array_path: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ViewPlan:
    """Every view for one collection, documents view first, with what could not be mapped."""

    collection_id: str
    views: tuple[ViewSpec, ...]
    warnings: tuple[str, ...]


def clean_comment(text: str) -> str:
    """Comment text without control characters, at most MAX_COMMENT_CHARS long."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return flat if len(flat) <= MAX_COMMENT_CHARS else flat[: MAX_COMMENT_CHARS - 1] + "…"


def usable_key(key: object) -> TypeGuard[str]:
    """Whether a field name can be addressed in a JSON path: text, 1..255 characters, no control characters."""
    return isinstance(key, str) and 0 < len(key) <= MAX_VIEW_CHARS and key.isprintable()


def _properties(field: Mapping[str, Any]) -> Mapping[str, Any] | None:
    props = field.get("properties")
    return props if field.get("type") == "object" and isinstance(props, Mapping) and props else None


def _field_comment(shown: str, field: Mapping[str, Any]) -> str:
    kind = field.get("type") if isinstance(field.get("type"), str) else "mixed or untyped"
    source = f"inferred from {field[SAMPLED]} sampled values" if SAMPLED in field else "declared in the output schema"
    described = field.get("description")
    note = f"{shown} ({kind}, {source})"
    return clean_comment(f"{described} [{note}]" if isinstance(described, str) and described else note)


class _Columns:
    """Typed columns of one view built from field schemas; arrays are remembered for child views."""

    def __init__(self, origin: str, taken: Sequence[str], warnings: list[str], shown_prefix: str = "") -> None:
        self.origin = origin
        self.pool = NamePool(taken)
        self.warnings = warnings
        self.shown_prefix = shown_prefix
        self.columns: list[ViewColumn] = []
        self.arrays: list[tuple[str, tuple[str, ...], Mapping[str, Any]]] = []

    def add(self, parts: tuple[str, ...], path: tuple[str, ...], field: object, depth: int = 0) -> None:
        """Add the column(s) of one field: objects expand into PARENT_CHILD columns up to MAX_DEPTH."""
        field = field if isinstance(field, Mapping) else {}
        props = _properties(field)
        if props and depth < MAX_DEPTH:
            for key, sub in props.items():
                self.add_key(parts, path, key, sub, depth + 1)
            return
        if path == ("metadata",) and self.origin == DOCUMENT:
            return
        declared = field.get("type")
        kind = declared if isinstance(declared, str) else ""
        shown = self.shown_prefix + ".".join(path) if path else self.shown_prefix.rstrip(".") or "value"
        name = self.pool.claim(joined(parts))
        self.columns.append(
            ViewColumn(name, SQL_TYPES.get(kind, VARIANT), self.origin, path, _field_comment(shown, field))
        )
        if kind == "array":
            self.arrays.append((name, path, field))

    def add_key(self, parts: tuple[str, ...], path: tuple[str, ...], key: object, field: object, depth: int) -> None:
        """Add a named sub-field, refusing names no JSON path can hold."""
        if not usable_key(key):
            self.warnings.append(f"field {'.'.join(path)}[{key!r}] skipped: its name is empty, too long or unprintable")
            return
        self.add((*parts, key), (*path, key), field, depth)


def default_prefix(collection: Mapping[str, Any]) -> str:
    """MIXPEEK_ + the collection name (or id) as an identifier, e.g. MIXPEEK_PRODUCT_MEDIA."""
    name = collection.get("collection_name")
    stem = name if isinstance(name, str) and name.strip() else str(collection.get("collection_id") or "")
    return "MIXPEEK_" + safe_identifier(stem, limit=100)


def _vector_indexes(collection: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    indexes = collection.get("vector_indexes")
    return [v for v in indexes if isinstance(v, Mapping)] if isinstance(indexes, list) else []


def vector_names(collection: Mapping[str, Any]) -> list[str]:
    """Names of the collection's vector indexes: the root document fields vectors come back in."""
    return [v["name"] for v in _vector_indexes(collection) if usable_key(v.get("name"))]


def excluded_root_keys(collection: Mapping[str, Any]) -> list[str]:
    """Root keys that never become field columns: system fields and vectors (they have their own columns)."""
    return sorted(SYSTEM_KEYS | set(vector_names(collection)))


def _table_columns(names: Sequence[str], comments: Mapping[str, str] | None = None) -> list[ViewColumn]:
    spec = {c.name: c for c in DOCUMENTS.columns}
    comments = comments or {}
    return [ViewColumn(n, spec[n].type, TABLE, (n,), comments.get(n, spec[n].comment)) for n in names if n in spec]


def _declared(collection: Mapping[str, Any], warnings: list[str]) -> Mapping[str, Any]:
    schema = collection.get("output_schema")
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if schema is not None and not isinstance(props, Mapping):
        warnings.append("the collection's output_schema has no properties object; only sampled fields are typed")
    return props if isinstance(props, Mapping) else {}


def root_fields(collection: Mapping[str, Any], samples: Sequence[Mapping[str, Any]], warnings: list[str]) -> dict:
    """Declared output-schema fields merged with fields seen in sampled documents, minus system keys."""
    excluded = set(excluded_root_keys(collection))
    declared = {k: v for k, v in _declared(collection, warnings).items() if k not in excluded}
    roots = [{k: v for k, v in s.items() if k not in excluded and not str(k).startswith("_")} for s in samples]
    return merge_properties(declared, infer_properties(roots, warnings))


def _taxonomy_columns(collection: Mapping[str, Any], pool: NamePool, warnings: list[str]) -> Iterator[ViewColumn]:
    applications = collection.get("taxonomy_applications")
    for app in applications if isinstance(applications, list) else []:
        taxonomy = app.get("taxonomy_id") if isinstance(app, Mapping) else None
        if not usable_key(taxonomy):
            warnings.append(f"taxonomy application {app!r} skipped: no usable taxonomy_id")
            continue
        stem = joined(("taxonomy", taxonomy))
        for suffix, sql_type, field, what in (
            ("LABEL", "VARCHAR", "label", "label"),
            ("SCORE", "FLOAT", "score", "score"),
            ("NODE_ID", "VARCHAR", "id", "node id"),
        ):
            source = f"_internal._taxonomy_{taxonomy}_{field}"
            note = f"Best-match {what} of taxonomy {taxonomy} ({source}); ranked labels: MIXPEEK_DOCUMENT_LABELS"
            path = ("_internal", f"_taxonomy_{taxonomy}_{field}")
            yield ViewColumn(pool.claim(f"{stem}_{suffix}"), sql_type, DOCUMENT, path, clean_comment(note))


def vector_dimensions(index: Mapping[str, Any]) -> int | None:
    """vector_indexes[i].index.dimensions when it is an integer VECTOR can hold (1..4096), else None."""
    inner = index.get("index")
    dims = inner.get("dimensions") if isinstance(inner, Mapping) else None
    ok = isinstance(dims, int) and not isinstance(dims, bool) and 0 < dims <= MAX_VECTOR_DIMENSIONS
    return dims if ok else None


def _embedding_columns(
    collection: Mapping[str, Any], pool: NamePool, vector_type: bool, warnings: list[str]
) -> Iterator[ViewColumn]:
    for position, index in enumerate(_vector_indexes(collection)):
        name = index.get("name")
        if not usable_key(name):
            warnings.append(f"vector index {position} skipped: it has no usable name")
            continue
        stem = "EMBEDDING" if position == 0 else joined(("embedding", name))
        dims = vector_dimensions(index)
        about = f"Vector {name} ({dims or 'unknown'} dimensions); NULL unless the sync ran with include_vectors"
        yield ViewColumn(pool.claim(stem), VARIANT, DOCUMENT, (name,), clean_comment(f"{about}; a JSON array"))
        if vector_type and dims is None:
            warnings.append(f"vector index {name}: no VECTOR column, index.dimensions is not an integer 1..4096")
        elif vector_type:
            column = pool.claim(f"{stem}_VECTOR")
            comment = clean_comment(f"{about}; NULL when its length is not {dims}")
            yield ViewColumn(column, f"VECTOR(FLOAT, {dims})", DOCUMENT, (name,), comment, dims)


def _child_view(
    name: str, path: tuple[str, ...], field: Mapping[str, Any], about: str, warnings: list[str]
) -> ViewSpec:
    shown = ".".join(path) + "[]"
    columns = _Columns(ITEM, (*ITEM_PARENT_COLUMNS, ITEM_INDEX), warnings, shown_prefix=shown + ".")
    declared = field.get("items")
    items: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
    props = _properties(items)
    if props:
        for key, sub in props.items():
            columns.add_key((), (), key, sub, 1)
    else:
        columns.shown_prefix = shown
        columns.add(("value",), (), items)
    parents = _table_columns(ITEM_PARENT_COLUMNS, {"DOCUMENT_ID": f"Mixpeek document id (doc_…) holding {shown}"})
    position = ViewColumn(ITEM_INDEX, "NUMBER(38,0)", INDEX, (), f"Position of the element in {shown} (from 0)")
    comment = clean_comment(
        f"One row per element of {shown} in the documents of {about}. Generated by create_mixpeek_views."
    )
    return ViewSpec(name, comment, (*parents, position, *columns.columns), path)


def plan_views(
    collection: Mapping[str, Any],
    prefix: str | None = None,
    samples: Sequence[Mapping[str, Any]] = (),
    vector_type: bool = False,
) -> ViewPlan:
    """The documents view and one child view per array field, for a CollectionResponse and sampled documents."""
    warnings: list[str] = []
    collection_id = str(collection["collection_id"])
    about = f"Mixpeek collection {collection.get('collection_name') or collection_id} ({collection_id})"
    fields = _Columns(DOCUMENT, DOCUMENT_COLUMNS, warnings)
    for key, field in root_fields(collection, samples, warnings).items():
        fields.add_key((), (), key, field, 0)
    extras = [*_taxonomy_columns(collection, fields.pool, warnings)]
    extras += _embedding_columns(collection, fields.pool, vector_type, warnings)
    view_names = NamePool(limit=MAX_VIEW_CHARS)
    main_name = view_names.claim(prefix or default_prefix(collection))
    comment = f"One row per live document of {about}. Generated by create_mixpeek_views; rerun after schema changes."
    main = ViewSpec(main_name, clean_comment(comment), (*_table_columns(DOCUMENT_COLUMNS), *fields.columns, *extras))
    children = [
        _child_view(view_names.claim(f"{main_name}_{column}"), path, field, about, warnings)
        for column, path, field in fields.arrays
    ]
    return ViewPlan(collection_id, (main, *children), tuple(warnings))
