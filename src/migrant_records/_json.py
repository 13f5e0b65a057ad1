"""Reading and writing the JSON files of saved models, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migrant_records.errors import ModelError

__all__ = ["read_json", "write_json"]


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` and return the path."""
    target = Path(path)
    target.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return target


def read_json(path: str | Path) -> Any:
    """Read a JSON model file, raising :class:`ModelError` if it is missing or not JSON."""
    source = Path(path)
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"Model file {source} does not exist.") from exc
    except json.JSONDecodeError as exc:
        raise ModelError(f"Model file {source} is not valid JSON: {exc}.") from exc
    except UnicodeDecodeError as exc:
        raise ModelError(
            f"Model file {source} is not UTF-8 text ({exc.reason} at byte {exc.start}); give "
            "a model.json written by Matcher.save."
        ) from exc
    except OSError as exc:
        raise ModelError(
            f"Model file {source} cannot be read: {exc.strerror or exc}; check the path and "
            "its permissions."
        ) from exc
