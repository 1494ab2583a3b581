"""Client: the embedded client, with qdrant-client's method names, over the local engine;
AsyncClient: the same calls as coroutines (AsyncQdrantClient's).

Invariants: answers its caller in the Qdrant wire models (`vecbase.models`), takes those or
qdrant-client's same-named models (translated at the door, client.foreign), and speaks only
the engine and the Qdrant dialect's converters below; holds the storage directory's lock
for its whole life (close() releases it).
"""

from vecbase.client.async_client import AsyncClient
from vecbase.client.client import Client

__all__ = ["AsyncClient", "Client"]
