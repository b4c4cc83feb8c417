"""Storage and search: the system of record (SQLite by default) and full-text search over it.

Imports nothing from the other layers; the segmenter it needs is passed in by the caller.
"""
