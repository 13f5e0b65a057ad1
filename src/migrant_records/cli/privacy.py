"""Subcommands for linking without exchanging identities: ``keygen`` and ``encode``.

``migrant-records link`` links two encoded Parquet files (made by ``encode``) as it links
two clear-text files: it notices the encodings and uses the encoded matcher
(:func:`link_encoded_command`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "add_parsers", "is_encoded_link", "link_encoded_command"]


def add_parsers(sub: Any) -> None:
    """Add the ``keygen`` and ``encode`` subcommands."""
    p = sub.add_parser(
        "keygen",
        help="make a secret key file for keyed encodings (share it only with the other holders)",
    )
    p.add_argument("--out", required=True, help="key file to write (refuses to overwrite)")
    p.add_argument(
        "--schema", help="also write the default encoding schema (JSON) to this path, to share"
    )

    p = sub.add_parser(
        "encode",
        help="standardise and encode records with a secret key, for linking without sharing "
        "identities",
    )
    p.add_argument("input", nargs="+", help="canonical CSV/XLSX/Parquet file(s)")
    p.add_argument("--key-file", required=True, help="secret key file (from keygen)")
    p.add_argument("--schema", help="encoding schema JSON (default: the built-in schema)")
    p.add_argument("--out", required=True, help="encoded Parquet file to write")
    p.add_argument(
        "--rejects",
        help="where to write rejected rows, in clear, to keep locally (default: OUT.rejects.csv)",
    )
    p.add_argument("--source", help="source name (if the file has no source column)")


def _cmd_keygen(args: argparse.Namespace) -> int:
    from migrant_records.privacy import default_schema, key_fingerprint, read_key, write_key

    path = write_key(args.out)
    print(f"wrote key {path} (fingerprint {key_fingerprint(read_key(path))})")
    print("share it only with the other data holders, over a secure channel; never with the")
    print("party that runs the link")
    if args.schema:
        schema_path = default_schema().save(args.schema)
        print(f"wrote encoding schema {schema_path} (fingerprint {default_schema().fingerprint()})")
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    from migrant_records.io import read_many
    from migrant_records.privacy import EncodingSchema, encode, read_key, write_encoded

    key = read_key(args.key_file)
    schema = EncodingSchema.load(args.schema) if args.schema else None
    batch = read_many(list(args.input), source=args.source)
    encoded = encode(batch, key, schema)
    out = write_encoded(encoded.records, args.out)
    info = encoded.records.attrs["encoding"]
    print(f"encoded records:   {len(encoded.records)}")
    print(f"rejected rows:     {len(encoded.rejects)}")
    print(f"schema:            {info['schema']['name']} ({info['schema_fingerprint']})")
    print(f"key fingerprint:   {info['key_fingerprint']}")
    print(f"wrote {out}")
    if len(encoded.rejects):
        rejects = Path(args.rejects) if args.rejects else out.with_name(out.name + ".rejects.csv")
        encoded.rejects.to_csv(rejects, index=False)
        print(f"wrote {rejects} (rows in clear: keep this file local)")
    return 0


def is_encoded_link(args: argparse.Namespace) -> bool:
    """Whether ``link`` was given encoded files.

    Raises:
        ConfigError: Only one of the two files is encoded.
    """
    from migrant_records.errors import ConfigError
    from migrant_records.privacy import is_encoded_file

    left, right = is_encoded_file(args.left), is_encoded_file(args.right)
    if left != right:
        encoded, clear = (args.left, args.right) if left else (args.right, args.left)
        raise ConfigError(
            f"{encoded} holds keyed encodings but {clear} does not: encode {clear} with "
            "`migrant-records encode` (same key and schema) before linking."
        )
    return left


def link_encoded_command(args: argparse.Namespace) -> int:
    """``migrant-records link`` on two encoded files."""
    from migrant_records.io import atomic_output_dir, check_output_dir
    from migrant_records.privacy import EncodedMatcher

    check_output_dir(args.out)  # before the work, not after
    options: dict[str, Any] = {"progress": not args.no_progress}
    if args.threshold is not None:
        options["threshold"] = args.threshold
    if args.one_to_one:
        options["one_to_one"] = True
    if args.model and Path(args.model).exists():
        matcher = EncodedMatcher.load(args.model)
    else:
        matcher = EncodedMatcher()
    matcher.set_params(**options)
    result = matcher.link(args.left, args.right)
    out = Path(args.out)
    with atomic_output_dir(out) as tmp:
        paths = result.write(tmp)
        matcher.save(tmp / "model.json")
        if args.report:
            result.write_report(tmp / "report.html")
    summary = result.summary()
    print("linked keyed encodings (no identities were read)")
    print(f"records:            {summary['records']}")
    print(f"candidate pairs:    {summary['candidate_pairs']}")
    print(f"matched pairs:      {summary['matched_pairs']} (probability >= {summary['threshold']})")
    print(f"persons:            {summary['persons']}")
    names = [Path(paths["clusters"]).name, Path(paths["pairs"]).name, "model.json"]
    print("wrote " + ", ".join(str(out / name) for name in names))
    if args.report:
        print(f"report: {out / 'report.html'}")
    return 0


COMMANDS = {"keygen": _cmd_keygen, "encode": _cmd_encode}
