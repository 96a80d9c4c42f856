"""Embeddings of text computed on this machine (no service, no download), so agent runs can be
searched by meaning."""

from dsf_app.embeddings.encoder import embed

__all__ = ["embed"]
