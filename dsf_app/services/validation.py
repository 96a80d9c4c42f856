"""Input checks shared by the services; each failure is an `Invalid` a person can act on."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dsf_app.errors import Invalid, NotFound

MAX_PAGE = 200
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 320
MAX_DESCRIPTION = 20_000
MAX_SEARCH = 200

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=BaseModel)
MAX_REPORTED_PROBLEMS = 3


def text(
    value: str,
    *,
    what: str,
    max_length: int | None = None,
    required: bool = False,
    strip: bool = True,
) -> str:
    """`value` (stripped unless told not to); Invalid when it is empty but required, or longer
    than `max_length`."""
    if not isinstance(value, str):
        raise Invalid(f"The {what} must be text, not {type(value).__name__}.")
    cleaned = value.strip() if strip else value
    if required and not cleaned.strip():
        raise Invalid(f"The {what} cannot be empty; give it at least one character.")
    if max_length is not None and len(cleaned) > max_length:
        raise Invalid(
            f"The {what} is {len(cleaned)} characters long; shorten it to at most {max_length}."
        )
    return cleaned


def identifier(value: str, *, what: str) -> uuid.UUID:
    """An id that came from the browser; an empty or malformed one names nothing visible."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound(f"That {what} does not exist or is not visible to you.") from exc


def email(value: str) -> str:
    """A lower-cased, stripped email address, so one address is always one account."""
    cleaned = text(value, what="email address", max_length=MAX_EMAIL_LENGTH, required=True)
    if not EMAIL_PATTERN.match(cleaned):
        raise Invalid(f"“{cleaned}” is not an email address; use the form name@example.com.")
    return cleaned.lower()


def choice(value: str, enum: type[E], *, what: str) -> E:
    """`value` as a member of `enum`; Invalid naming the allowed values otherwise."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise Invalid(f"“{value}” is not a known {what}; use one of: {allowed}.") from None


def json_object(value: Any, *, what: str) -> dict[str, Any]:
    """A JSON-storable dict (a copy, so the caller's object is never shared with the row);
    None gives an empty one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"The {what} must be an object (a dict), not {type(value).__name__}.")
    return _json_copy(value, what)


def json_list(value: Any, *, what: str) -> list[Any]:
    """A JSON-storable list (a copy); None gives an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"The {what} must be a list, not {type(value).__name__}.")
    return _json_copy(value, what)


def _json_copy(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise Invalid(f"The {what} cannot be stored as JSON: {exc}.") from None


def fields(
    values: dict[str, Any], checks: Mapping[str, Callable[[Any], Any]], *, thing: str
) -> dict[str, Any]:
    """Each field given (not None) checked by its rule; Invalid for one `thing` cannot edit."""
    unknown = sorted(set(values) - set(checks))
    if unknown:
        raise Invalid(
            f"A {thing} has no editable field {', '.join(unknown)}; "
            f"the editable fields are {', '.join(checks)}."
        )
    return {name: checks[name](value) for name, value in values.items() if value is not None}


def page(limit: int, offset: int) -> None:
    """Invalid unless 1 <= limit <= MAX_PAGE and offset >= 0."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"Ask for between 1 and {MAX_PAGE} items at a time, not {limit}.")
    if offset < 0:
        raise Invalid(f"The offset counts items to skip, so it cannot be negative ({offset}).")


def count(value: int, *, what: str) -> int:
    """`value` if it is a whole number of at least zero."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"The {what} must be a whole number, not {value!r}.")
    if value < 0:
        raise Invalid(f"The {what} cannot be negative ({value}).")
    return value


def search_term(value: str | None) -> str | None:
    """A stripped search term, or None when there is nothing to search for."""
    if value is None:
        return None
    return text(value, what="search text", max_length=MAX_SEARCH) or None


def like_pattern(term: str) -> str:
    """An ILIKE pattern matching `term` anywhere, with %, _ and \\ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def model(kind: type[M], values: Mapping[str, Any]) -> M:
    """`values` (a form, an imported file's fields) as `kind`; Invalid naming what is wrong."""
    try:
        return kind.model_validate(values)
    except ValidationError as exc:
        raise Invalid(problems(exc)) from None


def problems(exc: ValidationError) -> str:
    """The first few validation errors as one sentence, each led by the path of the bad field."""
    described = list(
        dict.fromkeys(
            f"{_path(error['loc'])}: {error['msg']}" if error["loc"] else error["msg"]
            for error in exc.errors(include_url=False)
        )
    )
    sentence = "; ".join(described[:MAX_REPORTED_PROBLEMS])
    if len(described) > MAX_REPORTED_PROBLEMS:
        sentence += f" (and {len(described) - MAX_REPORTED_PROBLEMS} more)"
    return sentence


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" if index else str(part)
        for index, part in enumerate(loc)
    )
