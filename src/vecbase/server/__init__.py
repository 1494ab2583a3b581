"""The server: settings, the ASGI application that mounts the dialects, the gRPC server beside
it, authentication (keys, JWT) and the server's own limits, and the process lifecycle.

Owns one TableOfContent per process (the storage directory lock guarantees it) shared by all
requests; engine work runs in worker threads so the event loop stays responsive. Shutdown
lets in-flight requests (HTTP and gRPC) finish, then flushes every collection and releases
the storage.
"""
