"""Griffe extension for the API reference: read ``Example:`` as an examples section.

Google style names the section ``Examples:``; griffe reads the singular ``Example:`` as an
admonition, whose ``>>>`` lines would then be rendered as Markdown text (and doctest output
such as ``['nik']`` as a link). This extension renames the singular heading at the top
level of a docstring so that both spellings render as highlighted code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^Example:[ \t]*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename top-level ``Example:`` docstring headings to ``Examples:``."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the docstring of every object as it is created."""
        docstring = obj.docstring
        if docstring is not None and "Example:" in docstring.value:
            docstring.value = _HEADING.sub("Examples:", docstring.value)
