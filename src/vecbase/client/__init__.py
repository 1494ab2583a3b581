"""Client: the embedded client, with qdrant-client's method names, over the local engine.

Invariants: speaks only the Qdrant wire models (`vecbase.models`) to its caller and only
the engine and the Qdrant dialect's converters below; holds the storage directory's lock
for its whole life (close() releases it).
"""

from vecbase.client.client import Client

__all__ = ["Client"]
