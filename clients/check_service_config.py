"""Checks clients/service_config.json against the RPCs in proto/, or writes
it (--write).

The method lists are derived from the contract's annotations, never kept by
hand: an RPC is a read when its google.api.http verb is GET or when it
streams a list or follows a task (maesn.accounting.v1.operation stream_of /
follow), and a write otherwise. Reads carry a retry policy for UNAVAILABLE
only; writes carry none, because a retried write can duplicate a record in a
customer's books. Unary reads get a 30 s timeout, writes 60 s; a streaming
RPC (or WaitTask) has no timeout, which would end a long watch. Exits 1
naming every difference.

  /usr/bin/python3 clients/check_service_config.py [--write]
"""

import copy
import importlib
import json
import re
import pathlib
import subprocess
import sys
import tempfile

RETRY = {
    "maxAttempts": 3,
    "initialBackoff": "0.2s",
    "maxBackoff": "2s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def rpcs(proto_dir):
    """[(service, method, kind)] for every RPC in proto/maesn, kind one of
    "read", "stream" (no timeout) or "write", from the annotations."""
    files = sorted(str(p.relative_to(proto_dir))
                   for p in proto_dir.glob("maesn/**/*.proto"))
    with tempfile.TemporaryDirectory() as gen:
        subprocess.run(["protoc", "-I", str(proto_dir), f"--python_out={gen}",
                        "google/api/http.proto", "google/api/annotations.proto",
                        "maesn/accounting/v1/options.proto"], check=True)
        out = pathlib.Path(gen) / "set.pb"
        subprocess.run(["protoc", "-I", str(proto_dir),
                        f"--descriptor_set_out={out}", *files], check=True)
        sys.path.insert(0, gen)
        annotations = importlib.import_module("google.api.annotations_pb2")
        options = importlib.import_module("maesn.accounting.v1.options_pb2")
        from google.protobuf import descriptor_pb2
        descriptors = descriptor_pb2.FileDescriptorSet.FromString(
            out.read_bytes())
        found = []
        for f in descriptors.file:
            for s in f.service:
                for m in s.method:
                    http = m.options.Extensions[annotations.http]
                    op = m.options.Extensions[options.operation]
                    if op.stream_of or op.follow:
                        kind = "stream"
                    elif http.WhichOneof("pattern") == "get":
                        kind = "read"
                    elif http.WhichOneof("pattern"):
                        kind = "write"
                    else:
                        kind = None
                    found.append((f"{f.package}.{s.name}", m.name, kind))
        sys.path.remove(gen)
        return found


def expected(all_rpcs):
    def names(kind):
        return [{"service": s, "method": m}
                for s, m, k in all_rpcs if k == kind]
    return {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": ""},
        "methodConfig": [
            {"name": names("read"), "timeout": "30s",
             "retryPolicy": copy.deepcopy(RETRY)},
            {"name": names("stream"), "retryPolicy": copy.deepcopy(RETRY)},
            {"name": names("write"), "timeout": "60s"},
        ],
        "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1},
    }


def render(config):
    """The file's layout: one method name per line."""
    out = json.dumps(config, indent=2)
    # Each {"service": ..., "method": ...} on one line.
    out = re.sub(r'\{\n\s*"service": ("[^"]*"),\n\s*"method": ("[^"]*")\n\s*\}',
                 r'{ "service": \1, "method": \2 }', out)
    out = re.sub(r'\[\n\s*\{\n\s*"round_robin": \{\}\n\s*\}\n\s*\]',
                 '[{ "round_robin": {} }]', out)
    out = re.sub(r'\[\n\s*"UNAVAILABLE"\n\s*\]', '["UNAVAILABLE"]', out)
    return out + "\n"


def main(argv):
    root = pathlib.Path(__file__).resolve().parent.parent
    path = root / "clients/service_config.json"
    all_rpcs = rpcs(root / "proto")
    unclassified = [f"{s}/{m}" for s, m, k in all_rpcs if k is None]
    for rpc in unclassified:
        print(f"service_config.json: {rpc} has no google.api.http binding "
              "and follows no task: it cannot be classified", file=sys.stderr)
    if unclassified:
        return 1
    want = expected(all_rpcs)
    if "--write" in argv:
        path.write_text(render(want))
        print(f"wrote {path} ({len(all_rpcs)} RPCs)")
        return 0
    have = json.loads(path.read_text())
    if have != want:
        print("service_config.json differs from what the annotations say; "
              "run clients/check_service_config.py --write", file=sys.stderr)
        for i, (a, b) in enumerate(zip(have.get("methodConfig", []),
                                       want["methodConfig"])):
            ha = {(n["service"], n["method"]) for n in a.get("name", [])}
            hb = {(n["service"], n["method"]) for n in b.get("name", [])}
            for s, m in sorted(hb - ha):
                print(f"  methodConfig[{i}]: missing {s}/{m}", file=sys.stderr)
            for s, m in sorted(ha - hb):
                print(f"  methodConfig[{i}]: {s}/{m} does not belong here",
                      file=sys.stderr)
        return 1
    print(f"service_config.json: {len(all_rpcs)} RPCs classified from their "
          "annotations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
