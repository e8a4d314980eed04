"""Run the emulator from a shell: python -m mixpeek_local.emulator --port 8080 --documents 3000."""

from __future__ import annotations

import argparse
import os
import threading

from .buckets import DEMO_BUCKET, DEMO_PROPERTIES, add_bucket
from .retrievers import seed_retriever
from .seed import seed_collection
from .server import Emulator
from .store import Store

DEFAULT_KEY = "mxp_test_key"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="mixpeek-snowflake emulator",
        description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="environment variables: MIXPEEK_API_KEY, when set, is the default of --api-key",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any free port)")
    parser.add_argument("--documents", type=int, default=3000, help="documents seeded into the collection")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated documents")
    parser.add_argument("--namespace", default="ns_demo", help="namespace (X-Namespace) of the collection")
    parser.add_argument("--collection-id", default="col_demo000001", help="id of the seeded collection")
    parser.add_argument("--collection-name", default="product-media", help="name of the seeded collection")
    parser.add_argument(
        "--api-key",
        default=argparse.SUPPRESS,
        help=f"the only Bearer key accepted (default: MIXPEEK_API_KEY if set, else {DEFAULT_KEY})",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every listing")
    parser.add_argument("--strict-body", action="store_true", help="refuse unknown body keys with 422")
    args = parser.parse_args(argv)
    args.api_key = getattr(args, "api_key", None) or os.environ.get("MIXPEEK_API_KEY") or DEFAULT_KEY
    return args


def build(args: argparse.Namespace) -> Emulator:
    """A seeded, not yet started emulator for the given options."""
    store = Store()
    collection_id = seed_collection(
        store,
        documents=args.documents,
        seed=args.seed,
        namespace=args.namespace,
        collection_id=args.collection_id,
        collection_name=args.collection_name,
    )
    seed_retriever(store, collection_id)
    add_bucket(store, DEMO_BUCKET, DEMO_PROPERTIES, args.namespace)
    return Emulator(
        store,
        api_key=args.api_key,
        port=args.port,
        latency=args.latency,
        host=args.host,
        strict_body=args.strict_body,
    )


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    emulator = build(args).start()
    print(
        f"Mixpeek emulator at {emulator.sdk_base_url}: collection {args.collection_id} "
        f"({args.documents} documents), retriever ret_demo000001 (product-search) and bucket {DEMO_BUCKET} in "
        f"namespace {args.namespace}. Ctrl-C stops it.\nPoint the CLI at it: "
        f"export MIXPEEK_BASE_URL={emulator.base_url} MIXPEEK_NAMESPACE={args.namespace} "
        "MIXPEEK_API_KEY=<the --api-key>",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
