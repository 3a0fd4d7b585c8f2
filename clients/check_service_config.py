#!/usr/bin/python3
"""Checks clients/service_config.json against the RPCs in proto/.

Every RPC of maesn.accounting.v1 must be named exactly once. Reads (Get,
List, Stream, Watch, Wait) carry a retry policy for UNAVAILABLE only;
writes (Create, Update, Delete) carry none, because a retried write can
duplicate a record in a customer's books. An RPC with any other verb must be
classified here first. A streaming RPC has no timeout, which would end a
long watch. Exits 1 naming every problem.

  /usr/bin/python3 clients/check_service_config.py
"""

import json
import pathlib
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

READ_VERBS = ("Get", "List", "Stream", "Watch", "Wait")
WRITE_VERBS = ("Create", "Update", "Delete")


def rpcs(proto_dir):
    """{"pkg.Service/Method": server_streaming} for every RPC in
    proto/maesn."""
    files = sorted(str(p.relative_to(proto_dir))
                   for p in proto_dir.glob("maesn/**/*.proto"))
    with tempfile.NamedTemporaryFile(suffix=".pb") as out:
        subprocess.run(["protoc", "-I", str(proto_dir),
                        f"--descriptor_set_out={out.name}", *files],
                       check=True)
        descriptors = descriptor_pb2.FileDescriptorSet.FromString(
            pathlib.Path(out.name).read_bytes())
    return {f"{f.package}.{s.name}/{m.name}": m.server_streaming
            for f in descriptors.file for s in f.service for m in s.method}


def problems(config, all_rpcs):
    found = []
    if {"round_robin": {}} not in config.get("loadBalancingConfig", []):
        found.append("loadBalancingConfig must choose round_robin")
    seen = {}
    timeouts = set()
    for method_config in config.get("methodConfig", []):
        policy = method_config.get("retryPolicy")
        if policy is not None and policy.get("retryableStatusCodes") != [
                "UNAVAILABLE"]:
            found.append("retryableStatusCodes must be exactly [UNAVAILABLE]")
        for name in method_config.get("name", []):
            if "method" not in name:
                found.append(f"{name}: name a method, not a whole service")
                continue
            rpc = f"{name['service']}/{name['method']}"
            if rpc in seen:
                found.append(f"{rpc}: named twice")
            seen[rpc] = policy is not None
            if "timeout" in method_config:
                timeouts.add(rpc)
    for rpc in sorted(all_rpcs):
        method = rpc.split("/")[1]
        if rpc not in seen:
            found.append(f"{rpc}: missing")
        elif method.startswith(READ_VERBS) and not seen[rpc]:
            found.append(f"{rpc}: a read without a retry policy")
        elif method.startswith(WRITE_VERBS) and seen[rpc]:
            found.append(f"{rpc}: a write must never be retried")
        elif not method.startswith(READ_VERBS + WRITE_VERBS):
            found.append(f"{rpc}: neither a read nor a write: classify it")
        if all_rpcs[rpc] and rpc in timeouts:
            found.append(f"{rpc}: a stream must not have a timeout")
    for rpc in sorted(set(seen) - set(all_rpcs)):
        found.append(f"{rpc}: not in proto/")
    return found


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    config = json.loads((root / "clients/service_config.json").read_text())
    all_rpcs = rpcs(root / "proto")
    found = problems(config, all_rpcs)
    for problem in found:
        print(f"service_config.json: {problem}", file=sys.stderr)
    if not found:
        print(f"service_config.json: {len(all_rpcs)} RPCs classified")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
