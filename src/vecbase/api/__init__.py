"""API: one package per wire dialect, each translating its wire format to the internal model.

Invariants: dialects import the engine and the query model, never each other; pydantic
and wire shapes stop here; engine errors are mapped to each dialect's own error envelope.
They share two things: ``credentials``, the access (``core.access``) the server's
authentication recorded for a request, which each dialect checks per operation; and
``threads``, the worker pool their handlers hand blocking engine calls to. The Qdrant
dialect has two transports, REST (``qdrant/rest``) and gRPC (``qdrant/grpc``), over one
service layer (``qdrant/service``).
"""
