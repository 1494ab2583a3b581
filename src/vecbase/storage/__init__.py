"""Storage: the only layer that opens, fsyncs, renames or locks files.

Owns the write-ahead log (length-framed, CRC-checked records in numbered files), atomic
file and directory replacement, numpy array files, read-only file mappings, the per-directory owner lock, and
handing freed heap memory back to the OS after large transient allocations.
Invariants: every durable write is fsynced before it is reported durable (file, then its
directory); a reader never sees a half-written file (write to a temporary name, fsync,
rename); a torn or corrupt log tail is cut off and reported, never raised at startup.
"""
