"""Uploaded files: storage, accepted kinds, streaming uploads and safe downloads."""
