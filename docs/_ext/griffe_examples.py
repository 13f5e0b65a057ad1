"""Griffe extension for the API reference: docstring spellings mkdocstrings does not render.

- Google style names the section ``Examples:``; griffe reads the singular ``Example:`` as
  an admonition, whose ``>>>`` lines would then be rendered as Markdown text (and doctest
  output such as ``['nik']`` as a link). The singular heading at the top level of a
  docstring is renamed so that both spellings render as highlighted code.
- Sphinx roles such as ``:func:`dedupe``` or ``:class:`~migrant_records.result.MatchResult```
  are shown as inline code (``dedupe``, ``MatchResult``) instead of raw role markup.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^Example:[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const|term):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match.group(2)
    if match.group(1):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


class ExampleSections(griffe.Extension):
    """Normalise docstrings as objects are created (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the docstring of every object as it is created."""
        docstring = obj.docstring
        if docstring is None:
            return
        value = docstring.value
        if "Example:" in value:
            value = _HEADING.sub("Examples:", value)
        if ":`" in value:
            value = _ROLE.sub(_role, value)
        docstring.value = value
