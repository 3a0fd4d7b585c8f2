#!/usr/bin/python3
"""A stand-in for the gateway that fails on purpose, to show which calls a
client channel retries: GetInvoice of "FLAKY" answers UNAVAILABLE once and
then succeeds; CreateInvoice always answers UNAVAILABLE. Both answer before
any response header (Trailers-Only), so a client retry policy may retry them.

  PYTHONPATH=<generated python> fake_gateway.py PORT_FILE CALL_LOG

Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE, appends
"<method> <id>" to CALL_LOG for every call, and runs until terminated.
"""

import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from maesn.accounting.v1 import invoice_pb2, invoice_pb2_grpc


class FlakyInvoices(invoice_pb2_grpc.InvoiceServiceServicer):

    def __init__(self, log_path):
        self._log_path = log_path
        self._lock = threading.Lock()
        self._calls = {}

    def _record(self, method, ident):
        with self._lock:
            with open(self._log_path, "a", encoding="utf-8") as log:
                log.write(f"{method} {ident}\n")
            self._calls[(method, ident)] = self._calls.get((method, ident),
                                                          0) + 1
            return self._calls[(method, ident)]

    def GetInvoice(self, request, context):
        if self._record("GetInvoice", request.invoice_id) == 1:
            context.abort(grpc.StatusCode.UNAVAILABLE, "first call fails")
        return invoice_pb2.GetInvoiceResponse(invoice=invoice_pb2.Invoice(
            invoice_id=request.invoice_id, total_amount=1.5, currency="EUR"))

    def CreateInvoice(self, request, context):
        self._record("CreateInvoice", request.invoice.contact_id)
        context.abort(grpc.StatusCode.UNAVAILABLE, "every call fails")


def main(port_file, log_path):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    invoice_pb2_grpc.add_InvoiceServiceServicer_to_server(
        FlakyInvoices(log_path), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with open(port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{port}\n")
    os.rename(port_file + ".tmp", port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=None)


if __name__ == "__main__":
    main(*sys.argv[1:])
