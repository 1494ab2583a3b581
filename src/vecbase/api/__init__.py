"""API: one package per wire dialect, each translating its wire format to the internal model.

Invariants: dialects import the engine and the query model, never each other; pydantic
and wire shapes stop here; engine errors are mapped to each dialect's own error envelope.
"""
