"""The document layer: uploaded files, their parsing and chunking, ingestion into vector
stores, and search over them; the service the file-ingesting dialects (OpenAI / Yandex
vector stores, AnalyticDB document collections) translate to.

Owns: the catalog of records (durable through its own WAL before a call returns), the file
store, parsers, chunking, the ingestion worker and hybrid search. Invariants: each vector
store is one engine collection named after it (visible to the other dialects); a record of
another project is not found; an attachment is ``in_progress`` only while a job for it is
queued or running (jobs are queued again on open); I/O goes through ``storage``.
"""
