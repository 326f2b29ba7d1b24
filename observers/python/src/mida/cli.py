"""The ``mida`` command: look after a MIDA server's dead letters from a shell.

::

    mida dead-letters list [--reason PREFIX] [--limit N] [--json]
    mida dead-letters replay --id 1700000000000-0 [--id ...]
    mida dead-letters replay --reason "refused by the graph store"
    mida dead-letters replay --all

The server is ``--server``, else ``$MIDA_SERVER``, else ``http://127.0.0.1:8080``; the token (needed to
replay when the server sets ``MIDA_API_TOKEN``) comes from ``$MIDA_API_TOKEN``. A replay moves each
chosen dead letter back to the event stream exactly once (the server does it atomically, so replaying
twice moves nothing the second time); one that is still refused comes back with a new id.
Exit status: 0 done, 1 the server refused or could not be reached, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO

from mida.client import DEFAULT_URL, Client, MidaError

SERVER_ENV = "MIDA_SERVER"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mida", description="Manage a MIDA provenance server.")
    p.add_argument(
        "--server",
        default=None,
        help=f"the server's URL (default: ${SERVER_ENV}, else {DEFAULT_URL}); token from $MIDA_API_TOKEN",
    )
    sub = p.add_subparsers(dest="command", required=True)
    dead = sub.add_parser("dead-letters", help="list or replay the events the server refused")
    dsub = dead.add_subparsers(dest="action", required=True)

    ls = dsub.add_parser("list", help="dead letters, oldest first, with id, time and reason")
    ls.add_argument("--reason", help="only those whose reason starts with this text")
    ls.add_argument("--limit", type=int, default=100, help="at most this many (1-1000, default 100)")
    ls.add_argument("--after", help="start after this dead-letter id (the 'next' of an earlier page)")
    ls.add_argument("--json", action="store_true", help="print the server's JSON answer")

    rp = dsub.add_parser("replay", help="move dead letters back to the event stream, exactly once")
    rp.add_argument("--id", action="append", dest="ids", metavar="ID", help="a dead-letter id (repeatable)")
    rp.add_argument("--reason", help="every dead letter whose reason starts with this text")
    rp.add_argument("--all", action="store_true", help="every dead letter")
    rp.add_argument("--json", action="store_true", help="print the server's JSON answer")
    return p


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Runs the command line ``argv`` (default: ``sys.argv[1:]``) and returns the exit status."""
    args = _parser().parse_args(argv)
    server = args.server or os.environ.get(SERVER_ENV) or DEFAULT_URL
    try:
        with Client(server) as client:
            if args.action == "list":
                return _list(client, args, out)
            return _replay(client, args, out, err)
    except MidaError as e:
        print(f"mida: {e}", file=err)
        return 1


def _list(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    params: Dict[str, Any] = {"limit": args.limit}
    if args.reason:
        params["reason"] = args.reason
    if args.after:
        params["after"] = args.after
    page = client._call("GET", "/api/dead-letters", params=params)
    if args.json:
        print(json.dumps(page, indent=2), file=out)
        return 0
    letters: List[Dict[str, Any]] = page.get("letters", [])
    for letter in letters:
        print(f"{letter['id']}\t{_time(letter.get('at'))}\t{letter.get('reason', '')}", file=out)
    tail = f"{len(letters)} shown of {page.get('total', 0)} in {page.get('dead_letter_stream')}"
    if page.get("dropped"):
        tail += f"; {page['dropped']} dropped by the length bound"
    if page.get("next"):
        tail += f"; more after {page['next']} (--after {page['next']})"
    print(tail, file=out)
    return 0


def _replay(client: Client, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    chosen = [bool(args.ids), args.reason is not None, bool(args.all)]
    if sum(chosen) != 1:
        print("mida: give exactly one of --id (repeatable), --reason PREFIX or --all", file=err)
        return 2
    if args.ids:
        body: Dict[str, Any] = {"ids": args.ids}
    elif args.reason is not None:
        body = {"reason": args.reason}
    else:
        body = {"all": True}
    answer = client._call("POST", "/api/dead-letters/replay", json=body)
    if args.json:
        print(json.dumps(answer, indent=2), file=out)
        return 0
    for moved in answer.get("moved", []):
        print(f"{moved['dead_id']} -> {moved['entry_id']}", file=out)
    line = f"replayed {answer.get('replayed', 0)}"
    if answer.get("not_found"):
        line += f"; not found (already replayed or dropped): {' '.join(answer['not_found'])}"
    if answer.get("more_left"):
        line += "; more are left: run the same command again"
    print(line, file=out)
    return 0


def _time(at: Any) -> str:
    if not isinstance(at, (int, float)):
        return "-"
    import datetime

    return datetime.datetime.fromtimestamp(at, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":  # python -m mida.cli
    sys.exit(main())
