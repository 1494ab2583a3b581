"""The embedded client for asyncio code: `AsyncClient(":memory:")` or `AsyncClient(path=...)`,
drop-in for qdrant-client's `AsyncQdrantClient`.

Every database call of `Client` is here as a coroutine of the same name and parameters. The
call runs in a worker thread, so a long upsert or an fsync does not stall the event loop;
the engine is shared by threads anyway (the server's requests), and calls awaited one after
another still apply in that order. As in `AsyncQdrantClient`, ``upload_points`` and
``upload_collection`` are plain methods: they return once every batch is written.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, Coroutine

from vecbase.client.client import Client

# AsyncQdrantClient's methods that are not coroutines
_SYNC = frozenset({"upload_points", "upload_collection", "get_embedding_size"})


class AsyncClient:
    """Embedded vecbase with the coroutine methods of AsyncQdrantClient."""

    def __init__(self, location: str | None = None, path: str | None = None, **kwargs: Any) -> None:
        self._client = Client(location, path, **kwargs)

    async def close(self, **kwargs: Any) -> None:
        await asyncio.to_thread(self._client.close)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def migrate(
        self,
        dest_client: Any,
        collection_names: list[str] | None = None,
        batch_size: int = 100,
        recreate_on_collision: bool = False,
    ) -> None:
        """``Client.migrate``; an ``AsyncClient`` destination is written through its own
        ``Client`` (AsyncQdrantClient has no migration of its own)."""
        dest = dest_client._client if isinstance(dest_client, AsyncClient) else dest_client
        await asyncio.to_thread(self._client.migrate, dest, collection_names, batch_size, recreate_on_collision)

    def __dir__(self) -> list[str]:
        # the calls __getattr__ makes: for help(), completion and introspection
        return sorted(set(super().__dir__()) | {n for n in dir(self._client) if not n.startswith("_")})

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)  # AttributeError for what Client lacks too
        if name.startswith("_") or name in _SYNC or not callable(method):
            return method
        call = _coroutine(method)
        setattr(self, name, call)  # resolved once per instance
        return call


def _coroutine(method: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    return call
