"""Request bodies of the vector-stores API (``../shared/spec/openai/vector-stores-subset.yaml``),
written by hand from the spec's schemas: every bound it states is enforced and unknown
fields are refused (its schemas are ``additionalProperties: false``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, field_validator

from vecbase.documents.chunking import check_strategy


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


AttributeValue = Union[StrictStr, StrictBool, StrictInt, StrictFloat]


def _check_map(value: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
    """OpenAI's bounds of ``attributes`` and ``metadata``: 16 keys of at most 64 characters,
    string values of at most 512."""
    if value is None:
        return None
    if len(value) > 16:
        raise ValueError(f"{what} may have at most 16 keys, got {len(value)}")
    for key, v in value.items():
        if len(key) > 64:
            raise ValueError(f"{what} keys may be at most 64 characters long: '{key[:70]}'")
        if isinstance(v, str) and len(v) > 512:
            raise ValueError(f"{what} values may be at most 512 characters long (key '{key}')")
    return value


def check_attributes(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return _check_map(value, "attributes")


def check_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return _check_map(value, "metadata")


class StaticChunking(Strict):
    max_chunk_size_tokens: StrictInt
    chunk_overlap_tokens: StrictInt

    @field_validator("chunk_overlap_tokens")
    @classmethod
    def _bounds(cls, overlap: int, info: Any) -> int:
        size = info.data.get("max_chunk_size_tokens")
        if size is not None:
            problem = check_strategy(size, overlap)
            if problem is not None:
                raise ValueError(problem)
        return overlap

    @field_validator("max_chunk_size_tokens")
    @classmethod
    def _size(cls, size: int) -> int:
        problem = check_strategy(size, 0)
        if problem is not None:
            raise ValueError(problem)
        return size


class AutoChunkingParam(Strict):
    type: Literal["auto"]


class StaticChunkingParam(Strict):
    type: Literal["static"]
    static: StaticChunking


ChunkingParam = Annotated[Union[AutoChunkingParam, StaticChunkingParam], Field(discriminator="type")]


class ExpiresAfter(Strict):
    # Yandex anchors at creation too
    anchor: Literal["last_active_at", "created_at"]
    days: StrictInt = Field(ge=1, le=365)


Attributes = dict[str, AttributeValue]
Metadata = dict[str, StrictStr]


class CreateVectorStore(Strict):
    file_ids: list[StrictStr] | None = Field(default=None, max_length=500)
    name: StrictStr | None = None
    description: StrictStr | None = None
    expires_after: ExpiresAfter | None = None
    chunking_strategy: ChunkingParam | None = None
    metadata: Metadata | None = None

    _metadata = field_validator("metadata")(check_metadata)


class UpdateVectorStore(Strict):
    name: StrictStr | None = None
    expires_after: ExpiresAfter | None = None
    metadata: Metadata | None = None

    _metadata = field_validator("metadata")(check_metadata)


class CreateVectorStoreFile(Strict):
    file_id: StrictStr
    chunking_strategy: ChunkingParam | None = None
    attributes: Attributes | None = None

    _attributes = field_validator("attributes")(check_attributes)


class CreateFileBatch(Strict):
    file_ids: list[StrictStr] | None = Field(default=None, min_length=1, max_length=2000)
    files: list[CreateVectorStoreFile] | None = Field(default=None, min_length=1, max_length=2000)
    chunking_strategy: ChunkingParam | None = None
    attributes: Attributes | None = None

    _attributes = field_validator("attributes")(check_attributes)


class UpdateAttributes(Strict):
    attributes: Attributes | None

    _attributes = field_validator("attributes")(check_attributes)


class ComparisonFilter(Strict):
    type: Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"] = "eq"
    key: StrictStr
    value: Union[StrictStr, StrictBool, StrictInt, StrictFloat, list[Union[StrictStr, StrictInt, StrictFloat]]]


class CompoundFilter(Strict):
    type: Literal["and", "or"]
    filters: list[Union[CompoundFilter, ComparisonFilter]]


class RankingOptions(Strict):
    ranker: Literal["none", "auto", "default-2024-11-15"] = "auto"
    score_threshold: float = Field(default=0.0, ge=0.0, le=1.0)


class SearchRequest(Strict):
    query: Union[StrictStr, list[StrictStr]]
    rewrite_query: StrictBool = False
    max_num_results: StrictInt = Field(default=10, ge=1, le=50)
    filters: Union[CompoundFilter, ComparisonFilter] | None = None
    ranking_options: RankingOptions | None = None

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("query must not be an empty array")
        return value
