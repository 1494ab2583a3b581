"""The embedded client's point reads, with QdrantClient's names and parameters: retrieve,
scroll, count, facet, the Query API (single, batch, groups) and distance matrices. Each
builds the wire request the REST API would receive and hands it to the shared service."""

from __future__ import annotations

from typing import Any, Sequence

from vecbase.api.qdrant import models as m
from vecbase.api.qdrant.service import QdrantService


class ReadMethods:
    _svc: QdrantService

    # -- points: reads ----------------------------------------------------------------
    def retrieve(
        self,
        collection_name: str,
        ids: Sequence[Any],
        with_payload: Any = True,
        with_vectors: Any = False,
        consistency: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> list[m.Record]:
        req = m.PointRequest.model_construct(
            ids=list(ids), with_payload=with_payload, with_vector=with_vectors, shard_key=shard_key_selector
        )
        return self._svc.points.retrieve(collection_name, req)

    def scroll(
        self,
        collection_name: str,
        scroll_filter: m.Filter | None = None,
        limit: int = 10,
        order_by: Any = None,
        offset: Any = None,
        with_payload: Any = True,
        with_vectors: Any = False,
        consistency: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> tuple[list[m.Record], Any]:
        req = m.ScrollRequest.model_construct(
            shard_key=shard_key_selector,
            filter=scroll_filter,
            limit=limit,
            order_by=order_by,
            offset=offset,
            with_payload=with_payload,
            with_vector=with_vectors,
        )
        res = self._svc.points.scroll(collection_name, req)
        return res.points, res.next_page_offset

    def count(
        self,
        collection_name: str,
        count_filter: m.Filter | None = None,
        exact: bool = True,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.CountResult:
        req = m.CountRequest(filter=count_filter, exact=exact, shard_key=shard_key_selector)
        return self._svc.points.count(collection_name, req)

    def facet(
        self,
        collection_name: str,
        key: str,
        facet_filter: m.Filter | None = None,
        limit: int = 10,
        exact: bool = False,
        consistency: Any = None,
        timeout: int | None = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.FacetResponse:
        req = m.FacetRequest.model_construct(
            key=key, filter=facet_filter, limit=limit, exact=exact, shard_key=shard_key_selector
        )
        return self._svc.points.facet(collection_name, req)

    def query_points(
        self,
        collection_name: str,
        query: Any = None,
        using: str | None = None,
        prefetch: Any = None,
        query_filter: m.Filter | None = None,
        search_params: m.SearchParams | None = None,
        limit: int = 10,
        offset: int | None = None,
        with_payload: Any = True,
        with_vectors: Any = False,
        score_threshold: float | None = None,
        lookup_from: Any = None,
        consistency: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.QueryResponse:
        # numpy vectors pass through: the service reads them as they are
        return self._svc.query.query_values(
            collection_name,
            query,
            using,
            lookup_from,
            prefetch,
            query_filter,
            score_threshold,
            search_params,
            limit,
            offset,
            with_payload,
            with_vectors,
            shard_key_selector,
        )

    def query_batch_points(
        self, collection_name: str, requests: Sequence[m.QueryRequest], **kwargs: Any
    ) -> list[m.QueryResponse]:
        return self._svc.query.query_batch(collection_name, requests)

    def query_points_groups(
        self,
        collection_name: str,
        group_by: str,
        query: Any = None,
        using: str | None = None,
        prefetch: Any = None,
        query_filter: m.Filter | None = None,
        search_params: m.SearchParams | None = None,
        limit: int = 10,
        group_size: int = 3,
        with_payload: Any = True,
        with_vectors: Any = False,
        score_threshold: float | None = None,
        with_lookup: Any = None,
        lookup_from: Any = None,
        consistency: Any = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.GroupsResult:
        req = m.QueryGroupsRequest.model_construct(
            shard_key=shard_key_selector,
            group_by=group_by,
            query=query,  # numpy vectors pass through: the service reads them as they are
            using=using,
            prefetch=prefetch,
            filter=query_filter,
            params=search_params,
            limit=limit,
            group_size=group_size,
            with_payload=with_payload,
            with_vector=with_vectors,
            score_threshold=score_threshold,
            with_lookup=with_lookup,
            lookup_from=lookup_from,
        )
        return self._svc.query.query_groups(collection_name, req)

    def search_matrix_pairs(
        self,
        collection_name: str,
        query_filter: m.Filter | None = None,
        limit: int = 3,
        sample: int = 10,
        using: str | None = None,
        consistency: Any = None,
        timeout: int | None = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.SearchMatrixPairsResponse:
        req = m.SearchMatrixRequest(
            filter=query_filter, limit=limit, sample=sample, using=using, shard_key=shard_key_selector
        )
        return self._svc.query.matrix_pairs(collection_name, req)

    def search_matrix_offsets(
        self,
        collection_name: str,
        query_filter: m.Filter | None = None,
        limit: int = 3,
        sample: int = 10,
        using: str | None = None,
        consistency: Any = None,
        timeout: int | None = None,
        shard_key_selector: Any = None,
        **kwargs: Any,
    ) -> m.SearchMatrixOffsetsResponse:
        req = m.SearchMatrixRequest(
            filter=query_filter, limit=limit, sample=sample, using=using, shard_key=shard_key_selector
        )
        return self._svc.query.matrix_offsets(collection_name, req)
