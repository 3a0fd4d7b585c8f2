"""Writes docs/operations.md, the table of every rpc that makes a Maesn
request, from the rpcs' annotations (as proto_schema_dump prints them), or
checks that the file is up to date (--check, a CI test).

  /usr/bin/python3 tests/fidelity/operations_table.py <proto_schema_dump> \\
      docs/operations.md [--check]
"""

import json
import subprocess
import sys

HEADER = """# Operations

Every rpc that makes a Maesn request, generated from the rpcs' annotations
(`google.api.http` and `maesn.accounting.v1.operation`) by
`tests/fidelity/operations_table.py`; CI fails when this file is out of date.
Reads (GET) are retried by the gateway on transient failures; writes are sent
exactly once. `Stream*` rpcs page through the List rpc of the same resource;
`WatchTask` and `WaitTask` follow a task by polling `GetTask`.

Asynchronous operations answer with a `task_id` to follow with
`TaskService.WatchTask` (every change as it happens) or `WaitTask` (the end):
"always" when Maesn processes the operation asynchronously for every target
system (the answer is only the task id), "some target systems" when Maesn
answers at once for most and with a task id (and what it echoed of the
record) for some, e.g. DATEV.

| rpc | Maesn operation | method and path | query parameters | asynchronous | retried |
|---|---|---|---|---|---|
"""


def render(rpcs):
    rows = []
    for r in rpcs:
        service, method = r["rpc"].strip("/").split("/")
        retried = "yes" if r["method"] == "GET" else "no (write)"
        query = ", ".join("`%s`" % q for q in r["query"]) or "none"
        if r["data_kind"] == "MAESN_DATA_TASK_ID":
            asynchronous = "always (`task_id`)"
        elif r["task_id"]:
            asynchronous = "some target systems (`task_id`)"
        else:
            asynchronous = "no"
        rows.append("| `%s.%s` | `%s` | `%s %s` | %s | %s | %s |" % (
            service.split(".")[-1], method, r["operation_id"], r["method"],
            r["path"], query, asynchronous, retried))
    return HEADER + "\n".join(rows) + "\n"


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dump, path = argv[1], argv[2]
    rpcs = json.loads(subprocess.run([dump], check=True,
                                     capture_output=True).stdout)["rpcs"]
    text = render(rpcs)
    if "--check" in argv:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                print("%s is out of date: run %s %s %s" % (
                    path, argv[0], dump, path), file=sys.stderr)
                return 1
        print("%s lists all %d operations" % (path, len(rpcs)))
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d operations)" % (path, len(rpcs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
