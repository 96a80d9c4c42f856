"""What a reader sends with a canvas Form, checked against the Form as it is stored: every field
the Form holds and no other, a text within its length, an option the Select offers, a number
the Slider can be set to, a Toggle on or off. The browser's copy of the spec and of its limits is
never trusted. Also the sentence a Form that continues the story sends as the reader's message,
with every answer quoted so that none reads as words of ours."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dsf_app.canvas.canvas_spec import iter_nodes
from dsf_app.canvas.specs import Form, InputField, Select, Slider, Spec, TextInput, Toggle
from dsf_app.errors import Invalid

# Fields are named in the page's form by this prefix and their id, so an agent's id never
# becomes a property of the form element (a field named "submit" would shadow form.submit).
FIELD_PREFIX = "field:"
Value = str | int | float | bool
_SPEC: TypeAdapter[Spec] = TypeAdapter(Spec)
GONE = (
    "That form is no longer on the canvas (the agent has changed the scene); fill in the one "
    "shown now."
)


def field_name(field_id: str) -> str:
    """The name of a field's control in the page's form."""
    return f"{FIELD_PREFIX}{field_id}"


def stored_form(node: dict[str, Any] | None) -> Form:
    """The stored component the reader submitted, as a Form; Invalid when it is none."""
    try:
        form = _SPEC.validate_python(node)
    except ValidationError as exc:
        raise Invalid(GONE) from exc
    if not isinstance(form, Form):
        raise Invalid(GONE)
    return form


def fields_of(form: Form) -> list[InputField]:
    """The Form's inputs, in the order they are drawn."""
    return [node for node in iter_nodes(form) if isinstance(node, InputField)]


def checked(form: Form, sent: Any) -> dict[str, Value]:
    """The reader's value for every field of `form`, by field id, from what the browser sent
    (names as `field_name` makes them); Invalid, with a sentence for the reader, when a value is
    not one the stored field allows or the browser sent a field the Form does not hold."""
    if not isinstance(sent, dict):
        raise Invalid("The form arrived without its values; send it again.")
    fields = fields_of(form)
    known = {field_name(str(field.id)) for field in fields}
    if any(name not in known for name in sent):
        raise Invalid("The form sent a field it does not hold; reload the page and send it again.")
    return {str(field.id): _value(field, sent.get(field_name(str(field.id)))) for field in fields}


def _value(field: InputField, raw: Any) -> Value:
    if isinstance(field, TextInput):
        return _text(field, raw)
    if isinstance(field, Select):
        return _choice(field, raw)
    if isinstance(field, Slider):
        return _number(field, raw)
    if isinstance(field, Toggle):
        return _switch(field, raw)
    raise TypeError(f"no check for {type(field).__name__}")


def _named(label: str) -> str:
    return f"“{label[:80]}”"


def _text(field: TextInput, raw: Any) -> str:
    text = "" if raw is None else raw
    name = _named(field.props.label)
    # PostgreSQL keeps no NUL character in JSON; no keyboard types one.
    if not isinstance(text, str) or "\x00" in text:
        raise Invalid(f"{name} takes text.")
    if len(text) > field.props.maxLength:
        raise Invalid(f"{name} takes at most {field.props.maxLength} characters; shorten it.")
    if field.props.required and not text.strip():
        raise Invalid(f"{name} needs an answer.")
    return text


def _choice(field: Select, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in {option.id for option in field.props.options}:
        raise Invalid(
            f"{_named(field.props.label)} has no such choice; pick one of those it offers."
        )
    return str(raw)


def _number(field: Slider, raw: Any) -> int | float:
    p = field.props
    number = _as_number(raw)
    if number is None or not p.allows(number):
        raise Invalid(
            f"{_named(p.label)} takes a number from {_shown(p.min)} to {_shown(p.max)} in steps "
            f"of {_shown(p.step)}."
        )
    return _shown(number)


def _as_number(raw: Any) -> float | None:
    """A number the browser sent (a range input sends its value as text)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def _shown(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _switch(field: Toggle, raw: Any) -> bool:
    # A checked box sends "on"; an unchecked one sends nothing.
    if raw is None or raw is False:
        return False
    if raw == "on" or raw is True:
        return True
    raise Invalid(f"{_named(field.props.label)} is either on or off.")


def sentence(form: Form, values: dict[str, Value]) -> str:
    """The reader's message when a Form continues the story: each field's label and answer as
    JSON strings (quotes and line breaks escaped), so an answer stays a quoted answer."""
    title = form.props.title or form.props.submitLabel or "the form"
    answers = [_answer(field, values[str(field.id)]) for field in fields_of(form)]
    return (
        f"The reader answered {json.dumps(title, ensure_ascii=False)}: " + "; ".join(answers) + "."
    )


def _answer(field: InputField, value: Value) -> str:
    """One field's label and answer, each quoted (a Select's answer is its option's label)."""
    if isinstance(field, Select):
        value = next(option.label for option in field.props.options if option.id == value)
    if isinstance(value, bool):
        shown = "on" if value else "off"
    else:
        shown = json.dumps(value, ensure_ascii=False)
    return f"{json.dumps(_label(field), ensure_ascii=False)}: {shown}"


def _label(field: InputField) -> str:
    if isinstance(field, TextInput | Select | Slider | Toggle):
        return field.props.label
    raise TypeError(f"no label for {type(field).__name__}")
