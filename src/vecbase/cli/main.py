"""`vecbase serve`: run the server on a storage directory until SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys

# One BLAS thread per scan: the server runs many queries at once, and nested BLAS thread
# pools oversubscribe the cores (measured: 3x lower throughput with 8 clients). Must be set
# before numpy loads; an explicit environment setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from vecbase.core.errors import StorageError  # noqa: E402
from vecbase.server.settings import SettingsError, load  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vecbase")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the vecbase server on a storage directory")
    s.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="HTTP port (default 6333)")
    s.add_argument("--grpc-port", default=None, help="gRPC port (default 6334; 'null' turns gRPC off)")
    s.add_argument("--path", default=None, help="storage directory (default ./storage)")
    s.add_argument("--config", default=None, help="YAML config file (service/storage/log sections)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        flags = {"host": args.host, "port": args.port, "storage_path": args.path}
        if args.grpc_port is not None:  # None in flags would mean "off"
            flags["grpc_port"] = args.grpc_port
        try:
            settings = load(args.config, flags)
        except (SettingsError, OSError) as e:
            print(f"vecbase: invalid configuration: {e}", file=sys.stderr)
            raise SystemExit(2) from None
        from vecbase.server.run import serve

        try:
            serve(settings)
        except StorageError as e:  # damaged or locked storage: say so in one line
            print(f"vecbase: cannot open the storage: {e}", file=sys.stderr)
            raise SystemExit(1) from None
