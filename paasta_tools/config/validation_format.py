"""Turn jsonschema errors into messages a service owner can act on.

One formatter per ``error.validator``; each returns plain English that names what
was expected and what was found.  The caller prefixes the dotted key path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}

Path = tuple[str | int, ...]
Formatted = list[tuple[Path, str]]


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe_value(value: object) -> str:
    """Describe a parsed YAML value in words, e.g. ``the string 'two'``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({value})"


def dotted(path: Sequence[str | int]) -> str:
    """Render a key path as ``main.env.FOO`` / ``job.parents[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def format_error(error: Any) -> Formatted:
    """Format one jsonschema ValidationError as ``[(absolute_path, message), ...]``."""
    formatter = _FORMATTERS.get(error.validator)
    path = tuple(error.absolute_path)
    if formatter is None:
        return [(path, error.message)]
    return formatter(error, path)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _type(error: Any, path: Path) -> Formatted:
    wanted = error.validator_value
    names = [TYPE_NAMES.get(t, t) for t in (wanted if isinstance(wanted, list) else [wanted])]
    return [(path, f"should be {' or '.join(names)}, not {describe_value(error.instance)}")]


def _additional_properties(error: Any, path: Path) -> Formatted:
    schema = error.schema
    known = set(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in error.instance
        if key not in known and not any(isinstance(key, str) and re.search(p, key) for p in patterns)
    ]
    out: Formatted = []
    for key in sorted(extras, key=str):
        if not path and patterns:
            rule = _name_rule(patterns[0])
            out.append((path, f"'{key}' is not a valid instance name: {rule}{_name_hint(key, patterns[0])}"))
        else:
            out.append((path, f"unknown key '{key}'{did_you_mean(key, known)}"))
    return out


def _name_rule(pattern: str) -> str:
    if "a-z0-9_-]*" in pattern:
        return "use lowercase letters, digits, '_' and '-', starting and ending with a letter or digit"
    return "use only letters, digits, '_' and '-'"


def _name_hint(name: object, pattern: str) -> str:
    """Suggest the nearest valid name, e.g. ``Canary`` -> ``canary``."""
    if not isinstance(name, str):
        return ""
    candidate = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_-")
    if candidate and candidate != name and re.search(pattern, candidate):
        return f" (did you mean '{candidate}'?)"
    return ""


def _required(error: Any, path: Path) -> Formatted:
    missing = [key for key in error.validator_value if key not in error.instance]
    return [(path, f"missing required key '{key}'") for key in missing]


def _enum(error: Any, path: Path) -> Formatted:
    choices = [str(c) for c in error.validator_value]
    hint = did_you_mean(error.instance, choices)
    if len(choices) == 1:
        return [(path, f"{_short(error.instance)} is not allowed; the only valid value is '{choices[0]}'")]
    return [(path, f"{_short(error.instance)} is not one of: {', '.join(choices)}{hint}")]


def _minimum(error: Any, path: Path) -> Formatted:
    exclusive = error.schema.get("exclusiveMinimum", False)
    bound = "greater than" if exclusive else "at least"
    return [(path, f"should be {bound} {error.validator_value}, not {error.instance!r}")]


def _maximum(error: Any, path: Path) -> Formatted:
    exclusive = error.schema.get("exclusiveMaximum", False)
    bound = "less than" if exclusive else "at most"
    return [(path, f"should be {bound} {error.validator_value}, not {error.instance!r}")]


def _min_properties(error: Any, path: Path) -> Formatted:
    if not path:
        return [(path, "defines no instances; add at least one instance, or delete the file")]
    return [(path, "has no settings; give it at least one key")]


def _unique_items(error: Any, path: Path) -> Formatted:
    seen: list[object] = []
    dupes: list[object] = []
    for item in error.instance:
        if item in seen and item not in dupes:
            dupes.append(item)
        seen.append(item)
    listed = ", ".join(_short(d) for d in dupes)
    return [(path, f"lists the same item more than once: {listed}")]


def _pattern(error: Any, path: Path) -> Formatted:
    wanted = error.schema.get("description")
    if wanted:
        return [(path, f"{_short(error.instance)} is not {wanted}")]
    return [(path, f"{_short(error.instance)} does not match the pattern {error.validator_value}")]


def _one_of(error: Any, path: Path) -> Formatted:
    if not error.context:
        if not isinstance(error.instance, dict):
            return []  # the branches only constrain mappings; the type error says what is wrong
        message = error.schema.get("x-several-matched", "matches more than one of the allowed forms")
        return [(path, message)]
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    plausible = [errs for errs in branches.values() if not any(_rules_out_branch(sub) for sub in errs)]
    if len(plausible) == 1:
        if "x-none-matched" in error.schema and all(sub.validator == "required" for sub in plausible[0]):
            return [(path, error.schema["x-none-matched"])]
        return [item for sub in plausible[0] for item in format_error(sub)]
    if not plausible and all(any(sub.validator == "enum" for sub in errs) for errs in branches.values()):
        # The value matches no branch's discriminating enum; the property's own enum
        # reports it with the valid choices, so a second message would only confuse.
        return []
    return [(path, error.schema.get("x-none-matched", "does not match any of the allowed forms"))]


def _rules_out_branch(sub: Any) -> bool:
    """True when the error says this oneOf branch was not the one the author meant."""
    return sub.validator == "enum" or (sub.validator == "type" and not sub.relative_path)


_FORMATTERS: dict[str, Callable[[Any, Path], Formatted]] = {
    "type": _type,
    "additionalProperties": _additional_properties,
    "required": _required,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "minProperties": _min_properties,
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "oneOf": _one_of,
}
