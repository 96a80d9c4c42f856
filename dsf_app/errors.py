"""The product's exception types; each edge (tool result, toast, HTTP status) maps them once."""

from __future__ import annotations


class DSFError(Exception):
    """An error whose message is a sentence a person or an agent can act on."""


class NotFound(DSFError):
    """The thing named does not exist, or the acting person may not know it exists."""


class Forbidden(DSFError):
    """The acting person may see the thing but not do this to it."""


class Invalid(DSFError):
    """The input does not have the shape or values required."""


class ServiceUnavailable(DSFError):
    """A service DSF depends on (database, S3, Letta, a model) cannot be reached or used."""
