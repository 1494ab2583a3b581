"""The server: settings, the ASGI application that mounts the dialects, and its process lifecycle.

Owns one TableOfContent per process (the storage directory lock guarantees it) shared by all
requests; engine work runs in worker threads so the event loop stays responsive. Shutdown
lets in-flight requests finish, then flushes every collection and releases the storage.
"""
