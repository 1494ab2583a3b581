"""The Qdrant data models (same names and fields as `qdrant_client.models`)."""

from vecbase.api.qdrant.models import *  # noqa: F403
