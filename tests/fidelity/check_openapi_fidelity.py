#!/usr/bin/env python3
"""Fidelity check: every documented property of every Maesn DTO that the
gateway's invoice, bill and task RPCs use must have a proto field with the
same JSON name and a compatible type (and enum values the contract knows),
unless fidelity.yaml lists it as a commented exception.

Usage: check_openapi_fidelity.py SPEC CONFIG PROTO_SCHEMA_DUMP_BINARY
Prints "N documented properties mapped / M total" and exits 1 on any gap.
Needs PyYAML (Debian python3-yaml); run with /usr/bin/python3.
"""
import json
import os
import re
import subprocess
import sys

import yaml

PKG = "maesn.accounting.v1."
REF = "#/components/schemas/"


def fail_setup(message):
    print("fidelity check cannot run: " + message, file=sys.stderr)
    sys.exit(1)


class Checker:
    def __init__(self, spec, config, protos):
        self.schemas = spec.get("components", {}).get("schemas", {})
        self.spec = spec
        self.config = config
        self.protos = protos["messages"]
        self.rpcs = protos["rpcs"]
        self.operations_checked = 0
        self.parameters_checked = 0
        self.messages = config["messages"]
        self.exceptions = dict(config.get("exceptions") or {})
        self.used_exceptions = set()
        self.errors = []
        self.total = 0
        self.mapped = 0
        self.dtos = []  # DTO names in the order reached
        self.envelope_gaps = set()  # envelope properties some op lacks

    # --- spec helpers -------------------------------------------------

    def resolve(self, schema):
        """Follows $ref and merges allOf into one schema dict."""
        if schema is None:
            return {}
        if "$ref" in schema:
            return self.resolve(self.schemas[schema["$ref"][len(REF):]])
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            props = {}
            for part in schema["allOf"]:
                r = self.resolve(part)
                props.update(r.get("properties", {}))
                for k, v in r.items():
                    if k != "properties":
                        merged.setdefault(k, v)
            merged.setdefault("properties", {}).update(props)
            return merged
        return schema

    @staticmethod
    def ref_name(schema):
        """The DTO a property schema refers to (directly, via allOf or as
        array items), else None."""
        if schema is None:
            return None
        if "$ref" in schema:
            return schema["$ref"][len(REF):]
        for part in schema.get("allOf", []):
            if "$ref" in part:
                return part["$ref"][len(REF):]
        return None

    def reach(self, name):
        if name in self.dtos or name == "BaseResponseDto":
            return
        self.dtos.append(name)
        for prop in self.resolve(self.schemas[name]).get(
                "properties", {}).values():
            ref = self.ref_name(prop) or self.ref_name(prop.get("items"))
            if ref is not None:
                self.reach(ref)

    # --- comparison ---------------------------------------------------

    def exception(self, key):
        if key in self.exceptions:
            self.used_exceptions.add(key)
            return True
        return False

    def field_ok(self, dto, prop_name, prop, field):
        """True when proto `field` can carry spec property `prop`."""
        where = "%s.%s" % (dto, prop_name)
        prop = dict(prop)
        if "allOf" in prop and "$ref" not in prop:
            ref = self.ref_name(prop)
            if ref:
                prop = {"$ref": REF + ref}
        if prop.get("type") == "array":
            if not field["repeated"]:
                self.errors.append("%s is an array but proto field %s is not "
                                   "repeated" % (where, field["name"]))
                return False
            return self.value_ok(where, prop.get("items", {}), field)
        if field["repeated"]:
            self.errors.append("%s is not an array but proto field %s is "
                               "repeated" % (where, field["name"]))
            return False
        return self.value_ok(where, prop, field)

    def value_ok(self, where, prop, field):
        ftype = field["type"]
        ref = self.ref_name(prop)
        if ref is not None:
            want = self.messages.get(ref)
            if ftype == "message" and want and field["message"] == PKG + want:
                return True
            self.errors.append("%s refers to %s (message %s) but proto field "
                               "%s is %s" % (where, ref, want, field["name"],
                                             field.get("message", ftype)))
            return False
        stype = prop.get("type")
        if stype == "string":
            if ftype == "enum":
                if "enum" not in prop:
                    if self.exception(where + ":enum"):
                        return True
                    self.errors.append(
                        "%s is free text but proto field %s is enum %s"
                        % (where, field["name"], field["enum"]))
                    return False
                missing = [v for v in prop["enum"]
                           if v not in field["values"]]
                if missing and not self.exception(where + ":values"):
                    self.errors.append(
                        "%s: Maesn values %s have no value in enum %s"
                        % (where, missing, field["enum"]))
                    return False
                return True
            if ftype in ("string", "bytes"):
                return True
            if ftype == "message" and field["message"] == \
                    "google.protobuf.Timestamp":
                return True
        elif stype == "number":
            if ftype == "double":
                return True
            if ftype == "integer" and self.exception(where + ":integer"):
                return True
        elif stype == "integer":
            if ftype == "integer":
                return True
        elif stype == "boolean":
            if ftype == "bool":
                return True
        elif stype == "object" and not prop.get("properties"):
            if ftype == "message" and field["message"] in (
                    "google.protobuf.Struct", "google.protobuf.Value"):
                return True
        if self.exception(where + ":type"):
            return True
        self.errors.append("%s (%s) cannot be carried by proto field %s (%s)"
                           % (where, stype, field["name"],
                              field.get("message", ftype)))
        return False

    def check_dto(self, dto):
        message = self.messages.get(dto)
        if message is None:
            self.errors.append("DTO %s is used by these operations but "
                               "fidelity.yaml maps it to no message" % dto)
            return
        fields = self.protos.get(PKG + message, {}).get("fields")
        if fields is None:
            self.errors.append("message %s (for %s) does not exist"
                               % (message, dto))
            return
        props = self.resolve(self.schemas[dto]).get("properties", {})
        for name, prop in props.items():
            self.total += 1
            field = fields.get(name)
            if field is None:
                if not self.exception("%s.%s" % (dto, name)):
                    self.errors.append("%s.%s has no field in %s"
                                       % (dto, name, message))
                continue
            if self.field_ok(dto, name, prop, field):
                self.mapped += 1

    def check_envelope(self, op_id, op, where):
        """BaseResponseDto per operation: meta, data, rawData (when the
        operation takes rawData), errors."""
        response = where["response"]
        fields = self.protos.get(PKG + response, {}).get("fields")
        if fields is None:
            self.errors.append("%s: response message %s does not exist"
                               % (op_id, response))
            return
        base = self.resolve(self.schemas["BaseResponseDto"])
        ok = {}
        meta = fields.get("meta")
        ok["meta"] = meta is not None and meta.get("message") == \
            PKG + "ResponseMeta"
        content = None
        for code, r in op.get("responses", {}).items():
            if str(code).startswith("2"):
                content = r.get("content", {}).get(
                    "application/json", {}).get("schema")
        data_prop = self.resolve(content).get("properties", {}).get("data")
        data_field = next((f for f in fields.values()
                           if f["name"] == where["data"]), None)
        ok["data"] = data_field is not None and data_prop is not None and \
            self.field_ok(op_id + " data", where["data"], data_prop,
                          data_field)
        takes_raw = any(p.get("name") == "rawData"
                        for p in op.get("parameters", []))
        ok["rawData"] = not takes_raw or "rawData" in fields
        if takes_raw and "rawData" not in fields:
            self.errors.append("%s takes rawData but %s has no raw_data"
                               % (op_id, response))
        for name in base.get("properties", {}):
            if name in ok:
                if not ok[name]:
                    self.envelope_gaps.add(name)
                    if name != "rawData":
                        self.errors.append("%s: envelope %s is not carried "
                                           "by %s" % (op_id, name, response))
            elif not self.exception("BaseResponseDto." + name):
                self.envelope_gaps.add(name)
                self.errors.append("%s: envelope property %s has no field "
                                   "in %s" % (op_id, name, response))

    def count_envelope(self):
        """The envelope's properties count once: mapped when every
        operation's response message carries them."""
        base = self.resolve(self.schemas["BaseResponseDto"])
        for name in base.get("properties", {}):
            self.total += 1
            if name in ("meta", "data", "rawData") and \
                    name not in self.envelope_gaps:
                self.mapped += 1

    def check_binding(self, rpc, path, method, op):
        """The rpc's HTTP method, path and query parameters against the
        operation's: same method and path shape, and only query parameters
        the operation declares (and every one it declares is sent, or is
        listed as an exception)."""
        spec_method, spec_path = method, path
        if rpc["method"].lower() != spec_method:
            self.errors.append("%s sends %s, Maesn's %s is %s"
                               % (rpc["rpc"], rpc["method"],
                                  rpc["operation_id"], spec_method.upper()))
        shape = re.sub(r"\{[^}]*\}", "{}", rpc["path"])
        if shape != re.sub(r"\{[^}]*\}", "{}", spec_path):
            self.errors.append("%s sends path %s, Maesn's %s is %s"
                               % (rpc["rpc"], rpc["path"],
                                  rpc["operation_id"], spec_path))
        declared = [p["name"] for p in op.get("parameters", [])
                    if p.get("in") == "query"]
        for name in rpc["query"]:
            self.parameters_checked += 1
            if name not in declared:
                self.errors.append("%s sends query parameter %s, which "
                                   "Maesn's %s does not declare"
                                   % (rpc["rpc"], name, rpc["operation_id"]))
        for name in declared:
            if name not in rpc["query"] and not self.exception(
                    "%s.%s:param" % (rpc["operation_id"], name)):
                self.errors.append("%s does not send query parameter %s of "
                                   "Maesn's %s (serve it or add an exception)"
                                   % (rpc["rpc"], name, rpc["operation_id"]))

    def run(self):
        ops = {}
        for path, item in self.spec.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    ops[op["operationId"]] = (path, method, op)
        for rpc in self.rpcs:
            op_id = rpc["operation_id"]
            where = {"response": rpc["response"], "data": rpc["data"]}
            if op_id not in ops:
                self.errors.append("%s: operation %s is not in the spec"
                                   % (rpc["rpc"], op_id))
                continue
            path, method, op = ops[op_id]
            self.operations_checked += 1
            self.check_binding(rpc, path, method, op)
            body = op.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema")
            if self.ref_name(body):
                self.reach(self.ref_name(body))
            for code, r in op.get("responses", {}).items():
                schema = r.get("content", {}).get(
                    "application/json", {}).get("schema")
                data = self.resolve(schema).get("properties", {}).get("data")
                if data is not None:
                    ref = self.ref_name(data) or self.ref_name(
                        data.get("items"))
                    if ref:
                        self.reach(ref)
            self.reach("MetaResponse")
            self.check_envelope(op_id, op, where)
        self.count_envelope()
        for dto in self.dtos:
            self.check_dto(dto)
        for key in self.exceptions:
            if key not in self.used_exceptions:
                self.errors.append("exception %s is no longer needed; remove "
                                   "it from fidelity.yaml" % key)

def main(argv):
    if len(argv) != 4:
        fail_setup(__doc__)
    spec_path, config_path, dump = argv[1:]
    if not os.path.isfile(spec_path):
        fail_setup("Maesn's OpenAPI description is missing at %s (the tree "
                   "keeps one at tests/fidelity/maesn/openapi.yaml; "
                   "MAESN_OPENAPI names another)" % spec_path)
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    protos = json.loads(subprocess.run([dump], check=True,
                                       capture_output=True).stdout)
    checker = Checker(spec, config, protos)
    checker.run()
    print("DTOs checked (%d): %s" % (len(checker.dtos),
                                     ", ".join(checker.dtos)))
    print("exceptions used (%d): %s" % (len(checker.used_exceptions),
                                        ", ".join(sorted(
                                            checker.used_exceptions))))
    print("%d operations (from the rpcs' annotations) checked: method, path, "
          "%d query parameters" % (checker.operations_checked,
                                   checker.parameters_checked))
    print("%d documented properties mapped / %d total"
          % (checker.mapped, checker.total))
    for e in checker.errors:
        print("FIDELITY GAP: " + e, file=sys.stderr)
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
