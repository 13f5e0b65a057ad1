"""MkDocs hooks: pages generated from the code at build time, so they never go stale.

A page asks for generated content with an HTML comment on a line of its own:

- ``<!-- generated: columns -->``: the canonical worker-record columns;
- ``<!-- generated: model NAME -->``: the fields of a pydantic model as a table;
- ``<!-- generated: enums -->``: the values of the schema enums;
- ``<!-- generated: json-schema NAME -->``: a model's JSON Schema in a collapsed block;
- ``<!-- generated: derived-columns -->``: the columns ``standardize`` adds;
- ``<!-- generated: cli -->``: every ``migrant-records`` subcommand with its options.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

_MARKER = re.compile(r"^<!--\s*generated:\s*([a-z-]+)\s*([A-Za-z]*)\s*-->\s*$", re.MULTILINE)


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        kinds = [_type_of(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds) + " (optional)"
    kind = str(prop.get("type", "any"))
    if prop.get("format"):
        kind += f" ({prop['format']})"
    return kind


def _columns(_: str) -> str:
    from migrant_records.schemas import CANONICAL_COLUMNS, REQUIRED_COLUMNS, WorkerRecord

    fields = WorkerRecord.model_fields
    rows = ["| # | column | required | meaning |", "| --- | --- | --- | --- |"]
    for k, name in enumerate(CANONICAL_COLUMNS, start=1):
        info = fields.get(name)
        desc = info.description if info is not None and info.description else ""
        required = "yes" if name in REQUIRED_COLUMNS else ""
        rows.append(f"| {k} | `{name}` | {required} | {_cell(desc)} |")
    return "\n".join(rows)


def _model(name: str) -> str:
    from migrant_records.schemas import MODELS

    schema = MODELS[name].model_json_schema()
    required = set(schema.get("required", []))
    rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for field, prop in schema.get("properties", {}).items():
        req = "yes" if field in required else ""
        desc = _cell(prop.get("description", "")).replace("``", "`")
        rows.append(f"| `{field}` | {_cell(_type_of(prop))} | {req} | {desc} |")
    return "\n".join(rows)


def _enums(_: str) -> str:
    from migrant_records.schemas import Ministry, ProgramType, Sex

    out = []
    for enum in (Ministry, ProgramType, Sex):
        values = ", ".join(f"`{m.value}`" for m in enum)
        out.append(f"- **`{enum.__name__}`**: {values}")
    return "\n".join(out)


def _json_schema(name: str) -> str:
    from migrant_records.schemas import json_schema

    body = "\n".join("    " + line for line in json_schema(name).splitlines())
    return f'??? note "JSON Schema of `{name}`"\n\n    ```json\n{body}\n    ```'


def _derived(_: str) -> str:
    from migrant_records.standardize import DERIVED_COLUMNS, DIAGNOSTIC_COLUMNS

    derived = ", ".join(f"`{c}`" for c in DERIVED_COLUMNS)
    diagnostic = ", ".join(f"`{c}`" for c in DIAGNOSTIC_COLUMNS)
    return f"- derived: {derived}\n- diagnostic: {diagnostic}"


def _options(parser: argparse.ArgumentParser) -> list[str]:
    rows = ["| argument | default | meaning |", "| --- | --- | --- |"]
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.option_strings:
            name = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.nargs != 0:
                name += f" `{action.metavar or action.dest.upper()}`"
        else:
            name = f"`{action.dest}`" + (" (one or more)" if action.nargs == "+" else "")
        default = action.default
        if action.required:
            shown = "required"
        elif default is None or default is False or default == argparse.SUPPRESS:
            shown = ""
        else:
            shown = f"`{default}`"
        rows.append(f"| {name} | {shown} | {_cell(action.help or '')} |")
    return rows


def _cli(_: str) -> str:
    from migrant_records.cli import build_parser

    parser = build_parser()
    out = ["## Global options", "", *_options(parser), ""]
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in subs._choices_actions}
    for name, sub in subs.choices.items():
        out += [f"## `{name}`", "", f"{_cell(helps.get(name) or '').capitalize()}.", ""]
        out += ["```text", sub.format_usage().strip(), "```", ""]
        out += [*_options(sub), ""]
    return "\n".join(out)


_GENERATORS: dict[str, Callable[[str], str]] = {
    "columns": _columns,
    "model": _model,
    "enums": _enums,
    "json-schema": _json_schema,
    "derived-columns": _derived,
    "cli": _cli,
}


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace ``<!-- generated: ... -->`` markers with content built from the code."""

    def replace(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        generator = _GENERATORS.get(kind)
        if generator is None:
            raise ValueError(f"unknown generated block {kind!r}; known: {sorted(_GENERATORS)}")
        return generator(arg)

    return _MARKER.sub(replace, markdown)
