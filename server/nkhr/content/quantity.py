"""A claim's quantity written the way the source words it ("80,000–120,000", "at least 10,000").

Every page and description that shows a figure calls ``quantity_text``, so they all say it the
same way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def _number(text: str | None) -> str:
    if text is None:
        return ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def quantity_text(value: str | None = None, minimum: str | None = None, maximum: str | None = None,
                  at_least: bool = False, approximate: bool = False, unit: str = "") -> str:
    """A claim's quantity as a person would write it."""
    if value is not None:
        text = _number(value)
    elif minimum is not None and maximum is not None:
        text = f"{_number(minimum)}–{_number(maximum)}"
    elif minimum is not None:
        text = f"{_number(minimum)} or more"
    elif maximum is not None:
        text = f"up to {_number(maximum)}"
    else:
        return ""
    if at_least:
        text = f"at least {text}"
    if approximate:
        text = f"about {text}"
    if unit and unit not in ("number",):
        text = f"{text} {unit}" if unit not in ("%",) else f"{text}%"
    return text
