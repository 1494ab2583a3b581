"""Settings whose protobuf shape differs from REST's beyond field names: quantization (binary
encodings, the query-encoding wrapper, ``turboquant``), payload index parameters (stop words,
stemmers) and memory placement. Each pair of functions moves one shape both ways, so what a
gRPC client sets is what REST shows, and the other way round."""

from __future__ import annotations

from typing import Any

from vecbase.api.qdrant.grpc import values as v

_BINARY_ENCODING = {"OneBit": "one_bit", "TwoBits": "two_bits", "OneAndHalfBits": "one_and_half_bits"}
_QUERY_ENCODING = {"Default": "default", "Binary": "binary", "Scalar4Bits": "scalar4bits", "Scalar8Bits": "scalar8bits"}
_BINARY_ENCODING_OUT = {rest: name for name, rest in _BINARY_ENCODING.items()}
_QUERY_ENCODING_OUT = {rest: name for name, rest in _QUERY_ENCODING.items()}


def _capitalised(data: Any, names: tuple[str, ...]) -> Any:
    """Protobuf's enum names: ``keyword`` -> ``Keyword``, ``float32`` -> ``Float32``."""
    if isinstance(data, dict):
        return {
            k: (x[:1].upper() + x[1:] if k in names and isinstance(x, str) else _capitalised(x, names))
            for k, x in data.items()
        }
    if isinstance(data, list):
        return [_capitalised(x, names) for x in data]
    return data


def capitalised(data: Any, names: tuple[str, ...]) -> Any:
    """``data`` with the values of ``names`` (and every ``memory``) as protobuf enum names."""
    return _capitalised(data, (*names, "memory"))


def memory_in(data: Any) -> Any:
    """Every ``memory`` placement as REST spells it (``Cold`` -> ``cold``); the unset value
    (``MemoryUnknown``) as no setting at all."""
    if isinstance(data, dict):
        return {
            k: (x.lower() if k == "memory" and isinstance(x, str) else memory_in(x))
            for k, x in data.items()
            if not (k == "memory" and x == "MemoryUnknown")
        }
    if isinstance(data, list):
        return [memory_in(x) for x in data]
    return data


def quantization_in(q: dict[str, Any]) -> Any:
    """A ``QuantizationConfig`` / ``QuantizationConfigDiff`` message's JSON as REST's body."""
    if "disabled" in q:
        return "Disabled"
    out: dict[str, Any] = memory_in(v.lower_enums(q, ("type", "compression", "bits")))
    if "turboquant" in out:
        out["turbo"] = out.pop("turboquant")
    binary = out.get("binary")
    if isinstance(binary, dict):
        if "encoding" in binary:
            binary["encoding"] = _BINARY_ENCODING.get(binary["encoding"], binary["encoding"])
        query = binary.pop("query_encoding", None)
        setting = query.get("setting") if isinstance(query, dict) else None
        if setting is not None:
            binary["query_encoding"] = _QUERY_ENCODING.get(setting, setting)
    return out


def quantization_out(q: Any) -> Any:
    """REST's quantization config (as JSON) as the ``QuantizationConfig`` message's JSON."""
    if not isinstance(q, dict):
        return q
    out: dict[str, Any] = capitalised(q, ("type", "bits"))  # compression ratios are lower case there too
    if "turbo" in out:
        out["turboquant"] = out.pop("turbo")
    binary = out.get("binary")
    if isinstance(binary, dict):
        if "encoding" in binary:
            binary["encoding"] = _BINARY_ENCODING_OUT.get(binary["encoding"], binary["encoding"])
        if "query_encoding" in binary:
            setting = binary["query_encoding"]
            binary["query_encoding"] = {"setting": _QUERY_ENCODING_OUT.get(setting, setting)}
    return out


def index_params_in(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """One ``PayloadIndexParams`` variant's JSON as REST's ``field_schema`` object."""
    out: dict[str, Any] = {"type": kind, **memory_in(v.lower_enums(params, ("tokenizer",)))}
    if out.get("tokenizer") == "unknown":  # protobuf's unset tokenizer
        del out["tokenizer"]
    stopwords = out.get("stopwords")
    if isinstance(stopwords, dict):
        languages, custom = stopwords.get("languages", []), stopwords.get("custom", [])
        # one language alone is REST's short form, as Qdrant converts it
        out["stopwords"] = languages[0] if len(languages) == 1 and not custom else stopwords
    stemmer = out.get("stemmer")
    if isinstance(stemmer, dict):
        if "snowball" in stemmer:
            out["stemmer"] = {"type": "snowball", **stemmer["snowball"]}
        elif "disabled" in stemmer:
            out["stemmer"] = {"type": "none"}
    return out


def index_params_out(params: Any) -> dict[str, Any]:
    """REST's index params (``{"type": "text", "tokenizer": "word", ...}``) as protobuf's
    ``PayloadIndexParams`` oneof."""
    if not isinstance(params, dict) or "type" not in params:
        return {}
    fields = {k: x for k, x in params.items() if k != "type"}
    stopwords = fields.get("stopwords")
    if isinstance(stopwords, str):
        fields["stopwords"] = {"languages": [stopwords]}
    elif isinstance(stopwords, dict):
        fields["stopwords"] = {k: x for k, x in stopwords.items() if x is not None}
    stemmer = fields.get("stemmer")
    if isinstance(stemmer, dict):
        if stemmer.get("type") == "none":
            fields["stemmer"] = {"disabled": {}}
        else:
            fields["stemmer"] = {"snowball": {"language": stemmer.get("language")}}
    return {"params": {f"{params['type']}_index_params": capitalised(fields, ("tokenizer",))}}


def optimizers_in(diff: dict[str, Any]) -> dict[str, Any]:
    """An ``OptimizersConfigDiff`` message's JSON as REST's: the thread count is a oneof of a
    number and ``Auto``, and the deprecated plain number counts when the oneof is unset."""
    out = dict(diff)
    old = out.pop("deprecated_max_optimization_threads", None)
    threads = out.pop("max_optimization_threads", None)
    if isinstance(threads, dict) and "value" in threads:
        out["max_optimization_threads"] = int(threads["value"])
    elif isinstance(threads, dict) and "setting" in threads:
        out["max_optimization_threads"] = "auto"
    elif old is not None:
        out["max_optimization_threads"] = int(old)
    return out


def optimizers_out(config: dict[str, Any]) -> dict[str, Any]:
    """REST's optimizer config as the ``OptimizersConfigDiff`` message's JSON (no thread count
    is ``Auto``)."""
    out = dict(config)
    threads = out.pop("max_optimization_threads", None)
    if isinstance(threads, int):
        out["max_optimization_threads"] = {"value": threads}
        out["deprecated_max_optimization_threads"] = threads
    else:
        out["max_optimization_threads"] = {"setting": "Auto"}
    return out
