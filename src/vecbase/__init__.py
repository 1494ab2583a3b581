"""vecbase: a vector database that speaks Qdrant's API, embedded or as a server.

Layers, imports pointing downward only:
cli -> {server, client} -> api -> engine -> query -> segment -> index -> storage -> core.
"""

from vecbase import models
from vecbase.client import Client

__all__ = ["Client", "models"]
__version__ = "0.1.0"
