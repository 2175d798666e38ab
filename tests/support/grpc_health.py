#!/usr/bin/python3
"""A real gRPC server (Debian's python3-grpcio) serving grpc.health.v1.Health/Check, for the
kubelet's grpc probe tests. Messages are handled as raw protobuf bytes, so no generated code or
grpcio-health-checking is needed. Services: "" -> SERVING, "down" -> NOT_SERVING, anything else
-> NOT_FOUND (as upstream's health server answers an unknown service). Prints its port, then
serves until its stdout is closed."""
import os
import sys
import time
from concurrent import futures

import grpc


def service_of(req):
    # HealthCheckRequest{string service = 1}: tag 0x0a, one-byte length (short names only).
    if len(req) >= 2 and req[0] == 0x0A:
        return req[2 : 2 + req[1]].decode()
    return ""


def check(req, ctx):
    svc = service_of(req)
    if svc == "":
        return b"\x08\x01"  # status: SERVING
    if svc == "down":
        return b"\x08\x02"  # status: NOT_SERVING
    ctx.abort(grpc.StatusCode.NOT_FOUND, "unknown service")


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(check)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("%s:0" % host)
    server.start()
    print(port, flush=True)
    # Until the reader closes its end of stdout (a write then fails).
    try:
        while True:
            time.sleep(0.2)
            sys.stdout.write("\n")
            sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    server.stop(0)
    os._exit(0)


if __name__ == "__main__":
    main()
