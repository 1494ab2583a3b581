"""The Qdrant dialect: wire models generated from Qdrant's OpenAPI spec and their conversion."""
