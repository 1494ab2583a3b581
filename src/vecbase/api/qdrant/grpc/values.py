"""Protobuf <-> REST shapes for the values every gRPC message carries: point ids, payload
values, vectors, filters, payload / vector selectors, search params.

The gRPC dialect translates each request into the REST request body (a plain dict, then
the REST wire model) and hands it to the shared service; answers go the other way. Nothing
here decides anything: it only moves fields between the two encodings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Mapping

from google.protobuf import json_format

from vecbase.api.qdrant.grpc.proto import json_with_int_pb2 as jv
from vecbase.api.qdrant.grpc.proto import points_pb2 as pb
from vecbase.api.qdrant.grpc.proto import qdrant_common_pb2 as common
from vecbase.core.errors import BadRequestError
from vecbase.core.ids import normalize_id


# -- point ids and payload values -----------------------------------------------------------
def point_id(pid: Any) -> int | str:
    if pid.WhichOneof("point_id_options") == "num":
        return int(pid.num)
    try:
        normalize_id(pid.uuid)
    except ValueError:
        # Qdrant converts a message's ids before anything else runs, in these words
        raise BadRequestError(f"Unable to parse UUID: {pid.uuid}") from None
    return str(pid.uuid)


def point_id_out(value: int | str) -> Any:
    return common.PointId(num=value) if isinstance(value, int) else common.PointId(uuid=str(value))


def value(v: Any) -> Any:
    kind = v.WhichOneof("kind")
    # the common kinds first, read by name (getattr with a variable name is slower)
    if kind == "integer_value":
        return v.integer_value
    if kind == "string_value":
        return v.string_value
    if kind is None or kind == "null_value":
        return None
    if kind == "struct_value":
        return struct(v.struct_value.fields)
    if kind == "list_value":
        return [value(x) for x in v.list_value.values]
    return getattr(v, kind)


def struct(fields: Mapping[str, Any]) -> dict[str, Any]:
    # by key: a protobuf map's items() goes through the generic Mapping view, item by item
    return {k: value(fields[k]) for k in fields}


def value_out(x: Any) -> Any:
    out = jv.Value()
    fill_value(out, x)
    return out


def fill_value(target: Any, x: Any) -> None:
    """A JSON value written into an existing ``Value`` (a map entry, a list item): no
    intermediate message to build and copy, which is most of an answer's cost."""
    if x is None:
        target.null_value = jv.NULL_VALUE
    elif isinstance(x, bool):
        target.bool_value = x
    elif isinstance(x, int):
        target.integer_value = x
    elif isinstance(x, float):
        target.double_value = x
    elif isinstance(x, str):
        target.string_value = x
    elif isinstance(x, Mapping):
        target.struct_value.SetInParent()
        fill_payload(target.struct_value.fields, x)
    elif isinstance(x, (list, tuple)):
        target.list_value.SetInParent()
        items = target.list_value.values
        for item in x:
            fill_value(items.add(), item)
    else:
        target.string_value = str(x)


def fill_payload(fields: Any, payload: Mapping[str, Any] | None) -> None:
    """A payload written into a protobuf map of ``Value``s."""
    for k, x in (payload or {}).items():
        fill_value(fields[k], x)


def fill_point_id(target: Any, value: int | str) -> None:
    if isinstance(value, int):
        target.num = value
    else:
        target.uuid = str(value)


# -- vectors --------------------------------------------------------------------------------
def _document(doc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"text": doc.text, "model": doc.model}
    if doc.options:
        out["options"] = struct(doc.options)
    return out


def vector(v: Any) -> Any:
    """A ``Vector`` (also the deprecated flat form: ``data`` with ``indices`` or a
    ``vectors_count``) as REST's dense list, sparse object, multivector or document."""
    kind = v.WhichOneof("vector")
    if kind == "dense":
        return list(v.dense.data)
    if kind == "sparse":
        return {"indices": list(v.sparse.indices), "values": list(v.sparse.values)}
    if kind == "multi_dense":
        return [list(d.data) for d in v.multi_dense.vectors]
    if kind == "document":
        return _document(v.document)
    if kind is not None:
        raise ValueError(f"{kind} inputs need a remote inference service, which vecbase does not use")
    data = list(v.data)
    if v.HasField("indices"):
        return {"indices": list(v.indices.data), "values": data}
    count = v.vectors_count if v.HasField("vectors_count") else 1
    if count > 1:
        # checked before the split: a count past the data's length asks for that many rows
        if not data or len(data) % count:
            raise BadRequestError(
                f"Malformed multi vector: data length {len(data)} is not divisible by vectors count {count}"
            )
        size = len(data) // count
        return [data[i * size : (i + 1) * size] for i in range(count)]
    return data


def vectors(vs: Any) -> Any:
    kind = vs.WhichOneof("vectors_options")
    if kind == "vector":
        return vector(vs.vector)
    if kind == "vectors":
        return {name: vector(v) for name, v in vs.vectors.vectors.items()}
    return {}


def vector_input(v: Any) -> Any:
    kind = v.WhichOneof("variant")
    if kind == "id":
        return point_id(v.id)
    if kind == "dense":
        return list(v.dense.data)
    if kind == "sparse":
        return {"indices": list(v.sparse.indices), "values": list(v.sparse.values)}
    if kind == "multi_dense":
        return [list(d.data) for d in v.multi_dense.vectors]
    if kind == "document":
        return _document(v.document)
    raise ValueError(f"{kind} inputs need a remote inference service, which vecbase does not use")


def _is_sparse(v: Any) -> bool:
    return (isinstance(v, Mapping) and "indices" in v) or hasattr(v, "indices")


def vector_output(v: Any) -> Any:
    if _is_sparse(v):
        indices, values = (v["indices"], v["values"]) if isinstance(v, Mapping) else (v.indices, v.values)
        return pb.VectorOutput(sparse=pb.SparseVector(indices=list(indices), values=list(values)))
    rows = list(v)
    if rows and not isinstance(rows[0], (int, float)) and hasattr(rows[0], "__len__"):
        return pb.VectorOutput(multi_dense=pb.MultiDenseVector(vectors=[pb.DenseVector(data=list(r)) for r in rows]))
    return pb.VectorOutput(dense=pb.DenseVector(data=rows))


def vectors_output(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Mapping) and not _is_sparse(v):
        return pb.VectorsOutput(vectors=pb.NamedVectorsOutput(vectors={k: vector_output(x) for k, x in v.items()}))
    return pb.VectorsOutput(vector=vector_output(v))


# -- filters ----------------------------------------------------------------------------------
def _range(r: Any) -> dict[str, Any]:
    return {name: getattr(r, name) for name in ("lt", "gt", "gte", "lte") if r.HasField(name)}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp(ts: Any) -> str:
    try:
        moment = _EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)
    except OverflowError:  # past the years a datetime holds (1 to 9999)
        raise BadRequestError(f"Wrong input: timestamp out of range: {ts.seconds} seconds") from None
    return moment.isoformat().replace("+00:00", "Z")


def _geo_point(p: Any) -> dict[str, float]:
    return {"lon": p.lon, "lat": p.lat}


def _match(m: Any) -> dict[str, Any]:
    kind = m.WhichOneof("match_value")
    if kind in ("keyword", "integer", "boolean"):
        return {"value": getattr(m, kind)}
    if kind in ("text", "phrase", "text_any", "prefix"):
        return {kind: getattr(m, kind)}
    if kind in ("keywords", "integers"):
        return {"any": list(getattr(m, kind).strings if kind == "keywords" else m.integers.integers)}
    if kind == "except_keywords":
        return {"except": list(m.except_keywords.strings)}
    if kind == "except_integers":
        return {"except": list(m.except_integers.integers)}
    raise ValueError("a match condition needs a value")


def _field(c: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"key": c.key}
    if c.HasField("match"):
        out["match"] = _match(c.match)
    if c.HasField("range"):
        out["range"] = _range(c.range)
    if c.HasField("datetime_range"):
        r = c.datetime_range
        out["range"] = {name: _timestamp(getattr(r, name)) for name in ("lt", "gt", "gte", "lte") if r.HasField(name)}
    if c.HasField("geo_bounding_box"):
        box = c.geo_bounding_box
        out["geo_bounding_box"] = {
            "top_left": _geo_point(box.top_left),
            "bottom_right": _geo_point(box.bottom_right),
        }
    if c.HasField("geo_radius"):
        out["geo_radius"] = {"center": _geo_point(c.geo_radius.center), "radius": c.geo_radius.radius}
    if c.HasField("geo_polygon"):
        poly = c.geo_polygon
        out["geo_polygon"] = {
            "exterior": {"points": [_geo_point(p) for p in poly.exterior.points]},
            "interiors": [{"points": [_geo_point(p) for p in ring.points]} for ring in poly.interiors],
        }
    if c.HasField("values_count"):
        out["values_count"] = _range(c.values_count)
    if c.HasField("is_empty"):
        out["is_empty"] = c.is_empty
    if c.HasField("is_null"):
        out["is_null"] = c.is_null
    return out


def condition(c: Any) -> dict[str, Any]:
    kind = c.WhichOneof("condition_one_of")
    if kind == "field":
        return _field(c.field)
    if kind == "is_empty":
        return {"is_empty": {"key": c.is_empty.key}}
    if kind == "is_null":
        return {"is_null": {"key": c.is_null.key}}
    if kind == "has_id":
        return {"has_id": [point_id(p) for p in c.has_id.has_id]}
    if kind == "filter":
        return filter_(c.filter)
    if kind == "nested":
        return {"nested": {"key": c.nested.key, "filter": filter_(c.nested.filter)}}
    if kind == "has_vector":
        return {"has_vector": c.has_vector.has_vector}
    if kind == "slice":
        return {"slice": {"total": c.slice.total, "index": c.slice.index}}
    raise ValueError(f"unsupported condition {kind}")


def filter_(f: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("must", "should", "must_not"):
        conditions = getattr(f, name)
        if conditions:
            out[name] = [condition(c) for c in conditions]
    if f.HasField("min_should"):
        out["min_should"] = {
            "conditions": [condition(c) for c in f.min_should.conditions],
            "min_count": f.min_should.min_count,
        }
    return out


# -- selectors and params ---------------------------------------------------------------------
def with_payload(sel: Any, default: Any) -> Any:
    kind = sel.WhichOneof("selector_options")
    if kind == "enable":
        return sel.enable
    if kind == "include":
        return list(sel.include.fields)
    if kind == "exclude":
        return {"exclude": list(sel.exclude.fields)}
    return default


def with_vectors(sel: Any, default: Any) -> Any:
    kind = sel.WhichOneof("selector_options")
    if kind == "enable":
        return sel.enable
    if kind == "include":
        return list(sel.include.names)
    return default


def search_params(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("hnsw_ef", "exact", "indexed_only"):
        if p.HasField(name):
            out[name] = getattr(p, name)
    if p.HasField("quantization"):
        q = p.quantization
        out["quantization"] = {n: getattr(q, n) for n in ("ignore", "rescore", "oversampling") if q.HasField(n)}
    return out


def points_selector(sel: Any) -> dict[str, Any]:
    kind = sel.WhichOneof("points_selector_one_of")
    if kind == "points":
        return {"points": [point_id(p) for p in sel.points.ids]}
    if kind == "filter":
        return {"filter": filter_(sel.filter)}
    raise ValueError("a points selector needs ids or a filter")


def set_if(out: dict[str, Any], message: Any, *names: str) -> dict[str, Any]:
    """Copy the optional fields ``names`` of ``message`` that it has and that are set."""
    fields = message.DESCRIPTOR.fields_by_name
    for name in names:
        if name in fields and message.HasField(name):
            out[name] = getattr(message, name)
    return out


def message_json(message: Any) -> dict[str, Any]:
    """A message whose fields carry REST's names, as its JSON (enums by their protobuf name)."""
    out: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return out


def lower_enums(data: Any, names: tuple[str, ...]) -> Any:
    """REST spells these enum values in lower case (``Float32`` -> ``float32``)."""
    if isinstance(data, dict):
        return {k: (x.lower() if k in names and isinstance(x, str) else lower_enums(x, names)) for k, x in data.items()}
    if isinstance(data, list):
        return [lower_enums(x, names) for x in data]
    return data


def shard_key(key: Any) -> Any:
    """A ``ShardKey`` message as REST writes the key: a string or a number."""
    kind = key.WhichOneof("key")
    if kind is None:
        raise BadRequestError("Wrong input: Shard key is empty")
    return key.keyword if kind == "keyword" else key.number


def keyed(body: dict[str, Any], message: Any) -> dict[str, Any]:
    """``body`` with the REST form of ``message``'s ``shard_key_selector``, when it has one:
    one key, a list of keys, or a target with a fallback."""
    if not message.HasField("shard_key_selector"):
        return body
    sel = message.shard_key_selector
    keys = [shard_key(k) for k in sel.shard_keys]
    if not keys:
        return body
    if sel.HasField("fallback"):
        if len(keys) != 1:
            raise BadRequestError("Wrong input: a shard key selector with a fallback names exactly one target key")
        body["shard_key"] = {"target": keys[0], "fallback": shard_key(sel.fallback)}
    else:
        body["shard_key"] = keys[0] if len(keys) == 1 else keys
    return body


def shard_key_out(out: Any, key: Any) -> None:
    """``key`` (a string or a number) written into a ``ShardKey`` message."""
    if isinstance(key, str):
        out.keyword = key
    else:
        out.number = key
