#!/usr/bin/env python3
"""Fidelity check: Maesn's OpenAPI description against the gateway's proto
contract. Unless fidelity.yaml lists a commented exception:

- every documented property of every Maesn DTO the served operations use
  has a proto field with the same JSON name and a compatible type; a string
  property may be carried by google.protobuf.Timestamp or google.type.Date
  when it has no format or format date / date-time;
- enums both ways: every value of a Maesn enum has a proto value, and in
  request DTOs (request bodies and the DTOs they reach) and enum query
  parameters every proto value but _UNSPECIFIED is one Maesn accepts (a
  wider proto enum is a gap unless "<Dto>.<property>:wider" or
  "<operationId>.<parameter>:wider" is excepted);
- every rpc's method, path and query parameters match its operation, each
  query parameter's type matching what it is sent from;
- a multipart/form-data body: every form field has a field of the rpc's
  body message with its JSON name (files are FilePart, an inline object is
  checked property by property, a JSON part's DTO is a request DTO);
- every operation in scope is served by an rpc or listed under
  unserved_operations: the operations on a served resource path (the first
  two path segments of an rpc's path, /accounting/v2/... variants
  included) and every operation under a path prefix listed in
  operations_in_scope (e.g. /accounting: a new Maesn operation there fails
  the check until it is served or listed with its reason).

Usage: check_openapi_fidelity.py SPEC CONFIG PROTO_SCHEMA_DUMP_BINARY
Prints the figures ("N documented properties mapped / M total", the enum,
date, parameter and operation counts) and exits 1 on any gap.
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
TIMESTAMP = "google.protobuf.Timestamp"
DATE = "google.type.Date"
# Formats of a string property a Timestamp or Date may carry (Maesn's file
# declares none on its date properties: they are plain ISO 8601 strings).
DATE_FORMATS = (None, "date", "date-time")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options",
                "trace")


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
        self.unserved = dict(config.get("unserved_operations") or {})
        self.scope = list(config.get("operations_in_scope") or [])
        self.used_exceptions = set()
        self.used_unserved = set()
        self.errors = []
        self.total = 0
        self.mapped = 0
        self.dtos = []  # DTO names in the order reached
        self.request_dtos = set()  # those reached from request bodies
        self.envelope_gaps = set()  # envelope properties some op lacks
        # Enum checks: Maesn values all offered by the proto enum
        # (properties and parameters), and proto values all accepted by
        # Maesn (request DTOs and parameters); the wider ones excepted.
        self.enums_forward = 0
        self.enums_reverse = 0
        self.widened = []  # (exception key, proto value names)
        self.narrowed = []  # (where, proto field) narrowed by maesn_accepts
        # Date carriers of string properties and of query parameters.
        self.date_properties = {TIMESTAMP: 0, DATE: 0}
        self.date_parameters = {TIMESTAMP: 0, DATE: 0}
        self.parameter_types_checked = 0
        # Maesn enums sent from a proto string (any value reaches Maesn).
        self.free_text_enums = []
        self.served_resources = []  # "/accounting/invoices", ...
        self.operations_under = 0
        self.operations_served = 0
        self.operations_excepted = 0

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

    def reach(self, name, request=False):
        """Adds DTO `name` and every DTO it refers to; `request` marks them
        as sent to Maesn (reached from a request body)."""
        if name == "BaseResponseDto":
            return
        if name in self.dtos and (not request or name in self.request_dtos):
            return
        if name not in self.dtos:
            self.dtos.append(name)
        if request:
            self.request_dtos.add(name)
        for prop in self.resolve(self.schemas[name]).get(
                "properties", {}).values():
            ref = self.ref_name(prop) or self.ref_name(prop.get("items"))
            if ref is not None:
                self.reach(ref, request)

    @staticmethod
    def resource(path):
        """A path's served resource: its first two segments, a version
        segment (/accounting/v2/...) left out."""
        segments = [s for s in path.split("/") if s]
        if len(segments) > 1 and re.fullmatch(r"v[0-9]+", segments[1]):
            del segments[1]
        return "/" + "/".join(segments[:2])

    # --- comparison ---------------------------------------------------

    def exception(self, key):
        if key in self.exceptions:
            self.used_exceptions.add(key)
            return True
        return False

    def field_ok(self, dto, prop_name, prop, field, request=False):
        """True when proto `field` can carry spec property `prop` (of a DTO
        sent to Maesn when `request`)."""
        return self.carry("%s.%s" % (dto, prop_name), prop, field, request)

    def carry(self, where, prop, field, request=False, parameter=False):
        """True when proto `field` can carry the value described by schema
        `prop`; `where` names it in errors and exception keys."""
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
            return self.value_ok(where, prop.get("items", {}), field,
                                 request, parameter)
        if field["repeated"]:
            self.errors.append("%s is not an array but proto field %s is "
                               "repeated" % (where, field["name"]))
            return False
        return self.value_ok(where, prop, field, request, parameter)

    def value_ok(self, where, prop, field, request=False, parameter=False):
        """One value: `request` adds the enum check the other way (every
        proto value is one Maesn accepts); a `parameter` typed number may
        be sent from a whole number (Maesn's `page`)."""
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
                return self.enum_ok(where, prop, field, request)
            if ftype in ("string", "bytes"):
                if "enum" in prop and request:
                    self.free_text_enums.append(where)
                return True
            if ftype == "message" and field["message"] in (
                    TIMESTAMP, DATE) and "enum" not in prop and \
                    prop.get("format") in DATE_FORMATS:
                return True
        elif stype == "number":
            if ftype == "double":
                return True
            if ftype == "integer" and (parameter or
                                       self.exception(where + ":integer")):
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
        self.errors.append("%s (%s%s) cannot be carried by proto field %s "
                           "(%s)" % (where, stype,
                                     " enum" if "enum" in prop else "",
                                     field["name"],
                                     field.get("message", ftype)))
        return False

    def enum_ok(self, where, prop, field, request):
        """A proto enum for a string property or parameter: every Maesn
        value has a proto value; when sent to Maesn (`request`), every
        proto value is also one Maesn accepts."""
        if "enum" not in prop:
            if self.exception(where + ":enum"):
                return True
            self.errors.append("%s is free text but proto field %s is enum "
                               "%s" % (where, field["name"], field["enum"]))
            return False
        self.enums_forward += 1
        missing = [v for v in prop["enum"] if v not in field["values"]]
        if missing and not self.exception(where + ":values"):
            self.errors.append("%s: Maesn values %s have no value in enum %s"
                               % (where, missing, field["enum"]))
            return False
        if not request:
            return True
        self.enums_reverse += 1
        sent = field["values"]
        if "accepts" in field:
            # Narrowed by the maesn_accepts option: the gateway refuses
            # every other value before sending.
            unknown = [v for v in field["accepts"] if v not in sent]
            if unknown:
                self.errors.append("%s: maesn_accepts of proto field %s "
                                   "names %s, which enum %s lacks"
                                   % (where, field["name"], unknown,
                                      field["enum"]))
                return False
            sent = field["accepts"]
            self.narrowed.append((where, field["name"]))
        extra = [v for v in sent if v not in prop["enum"]]
        if not extra:
            return True
        names = [field.get("value_names", {}).get(v, v) for v in extra]
        key = where + ":wider"
        if self.exception(key):
            self.widened.append((key, names))
            return True
        self.errors.append(
            "%s accepts only %s, but proto field %s (enum %s) also offers "
            "%s: narrow the field with the maesn_accepts option (the gateway "
            "then refuses those values before sending) or add the exception "
            "%s" % (where, prop["enum"], field["name"],
                                      field["enum"], ", ".join(names), key))
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
        request = dto in self.request_dtos
        for name, prop in props.items():
            self.total += 1
            field = fields.get(name)
            if field is None:
                if not self.exception("%s.%s" % (dto, name)):
                    self.errors.append("%s.%s has no field in %s"
                                       % (dto, name, message))
                continue
            if self.field_ok(dto, name, prop, field, request):
                self.mapped += 1
                if field.get("message") in self.date_properties:
                    self.date_properties[field["message"]] += 1

    def check_form(self, rpc, op_id, form):
        """A multipart/form-data body: every form field against the field
        of the rpc's body message with the field's JSON name (a file part
        is a FilePart, a JSON part's DTO is reached as sent to Maesn, an
        inline object's properties are checked one by one)."""
        body = rpc.get("body")
        fields = self.protos.get(PKG + body, {}).get("fields") if body \
            else None
        if fields is None:
            self.errors.append("%s takes multipart/form-data but %s has no "
                               "body message" % (op_id, rpc["rpc"]))
            return
        for name, prop in self.resolve(form).get("properties", {}).items():
            ref = self.ref_name(prop) or self.ref_name(prop.get("items"))
            if ref is not None:
                self.reach(ref, request=True)
            where = "%s form.%s" % (op_id, name)
            self.total += 1
            field = fields.get(name)
            if field is None:
                if not self.exception(where):
                    self.errors.append("%s has no field in %s"
                                       % (where, body))
                continue
            if self.form_field_ok(where, prop, field):
                self.mapped += 1

    def form_field_ok(self, where, prop, field):
        """One form field: file parts (binary strings) are FilePart
        messages; an inline object is a message whose fields carry its
        properties; anything else as a property sent to Maesn."""
        array = prop.get("type") == "array"
        item = prop.get("items", {}) if array else prop
        if item.get("type") == "string" and item.get("format") == "binary":
            if field["repeated"] == array and \
                    field.get("message") == PKG + "FilePart":
                return True
            self.errors.append("%s is %s but proto field %s is not %s "
                               "FilePart" % (where, "an array of files"
                                             if array else "a file",
                                             field["name"], "a repeated"
                                             if array else "a"))
            return False
        if prop.get("type") == "object" and prop.get("properties"):
            sub = self.protos.get(field.get("message", ""), {}).get("fields")
            if field["type"] != "message" or field["repeated"] or \
                    sub is None:
                self.errors.append("%s is an object but proto field %s is "
                                   "not a message" % (where, field["name"]))
                return False
            ok = True
            for name, p in prop["properties"].items():
                self.total += 1
                f = sub.get(name)
                if f is None:
                    if not self.exception("%s.%s" % (where, name)):
                        self.errors.append("%s.%s has no field in %s"
                                           % (where, name, field["message"]))
                        ok = False
                    continue
                if self.carry("%s.%s" % (where, name), p, f, request=True):
                    self.mapped += 1
                else:
                    ok = False
            return ok
        return self.carry(where, prop, field, request=True)

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
        # A 2xx answer's `errors` travel in the response's meta.
        ok["errors"] = ok["meta"] and "errors" in self.protos.get(
            PKG + "ResponseMeta", {}).get("fields", {})
        # Every 2xx answer's `data` (e.g. 201 with the record and 202 with
        # only a task id).
        data_props = []
        for code, r in op.get("responses", {}).items():
            if str(code).startswith("2"):
                content = r.get("content", {}).get(
                    "application/json", {}).get("schema")
                data_props.append(self.resolve(content).get(
                    "properties", {}).get("data"))
        if where["data"]:
            data_field = next((f for f in fields.values()
                               if f["name"] == where["data"]), None)
        else:
            # `data` is only a task id: the response message carries it.
            data_field = {"name": "", "repeated": False, "type": "message",
                          "message": PKG + response}
        ok["data"] = data_field is not None and bool(data_props)
        for data_prop in data_props:
            carried = data_prop is not None and (
                self.response_carries(data_prop, fields) or
                self.field_ok(op_id + " data", where["data"], data_prop,
                              data_field))
            ok["data"] = ok["data"] and carried
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

    def response_carries(self, data_prop, fields):
        """True when the response message itself has a field for every
        property of the DTO `data_prop` refers to (an answer of only a task
        id, {taskId}, carried by the response's task_id beside the record
        field that carries the operation's other answer)."""
        ref = self.ref_name(data_prop)
        if ref is None or ref not in self.schemas:
            return False
        props = self.resolve(self.schemas[ref]).get("properties", {})
        if not props or any(name not in fields for name in props):
            return False
        errors = len(self.errors)
        ok = all(self.carry("%s.%s" % (ref, name), prop, fields[name])
                 for name, prop in props.items())
        del self.errors[errors:]
        return ok

    def count_envelope(self):
        """The envelope's properties count once: mapped when every
        operation's response message carries them."""
        base = self.resolve(self.schemas["BaseResponseDto"])
        for name in base.get("properties", {}):
            self.total += 1
            if name in ("meta", "data", "rawData", "errors") and \
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
        declared = {p["name"]: p for p in op.get("parameters", [])
                    if p.get("in") == "query"}
        for name in rpc["query"]:
            self.parameters_checked += 1
            if name not in declared:
                self.errors.append("%s sends query parameter %s, which "
                                   "Maesn's %s does not declare"
                                   % (rpc["rpc"], name, rpc["operation_id"]))
        sources = {q["name"]: q for q in rpc.get("query_fields", [])}
        for name in rpc["query"]:
            if name in declared:
                if name in sources:
                    self.check_parameter(rpc, declared[name], sources[name])
                else:
                    self.errors.append("%s: the dump does not say what query "
                                       "parameter %s is sent from"
                                       % (rpc["rpc"], name))
        for name in declared:
            if name not in rpc["query"] and not self.exception(
                    "%s.%s:param" % (rpc["operation_id"], name)):
                self.errors.append("%s does not send query parameter %s of "
                                   "Maesn's %s (serve it or add an exception)"
                                   % (rpc["rpc"], name, rpc["operation_id"]))

    def check_parameter(self, rpc, param, source):
        """The type of one query parameter against what it is sent from: a
        request field, or what the gateway computes (a paged list's `page`
        and `limit`)."""
        where = "%s.%s" % (rpc["operation_id"], param["name"])
        schema = self.resolve(param.get("schema"))
        self.parameter_types_checked += 1
        if "field" in source:
            field = source["field"]
            if self.carry(where, schema, field, request=True, parameter=True):
                if field.get("message") in self.date_parameters:
                    self.date_parameters[field["message"]] += 1
            return
        # Computed by the gateway: a whole number, from a closed set of
        # values when the dump lists them.
        stype = schema.get("type")
        if stype not in ("integer", "number") or source["type"] != "integer":
            if not self.exception(where + ":type"):
                self.errors.append("%s (%s) cannot be carried by the %s the "
                                   "gateway sends from %s"
                                   % (where, stype, source["type"],
                                      source["from"]))
            return
        maesn = schema.get("enum")
        if maesn is None:
            return  # any whole number is one Maesn accepts
        # Both ways: the gateway can send every value Maesn accepts, and
        # only those.
        self.enums_forward += 1
        self.enums_reverse += 1
        sent = source.get("values")
        if sent is None:
            problem = "the gateway sends any whole number"
        elif sorted(maesn) != sorted(sent):
            problem = "the gateway sends %s" % sent
        else:
            return
        if not self.exception(where + ":values"):
            self.errors.append("%s accepts only %s, but %s (from %s)"
                               % (where, maesn, problem, source["from"]))

    def in_scope(self, path):
        """The operations_in_scope prefix `path` is under (whole segments),
        or None."""
        for prefix in self.scope:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return prefix
        return None

    def check_operations(self, ops):
        """Every operation in scope (on a served resource path, or under an
        operations_in_scope prefix) is served by an rpc or listed under
        unserved_operations (with its reason)."""
        served_ids = {rpc["operation_id"] for rpc in self.rpcs}
        self.served_resources = sorted({self.resource(rpc["path"])
                                        for rpc in self.rpcs})
        for op_id, (path, method, _) in ops.items():
            on_served_path = self.resource(path) in self.served_resources
            prefix = self.in_scope(path)
            if not on_served_path and prefix is None:
                continue
            self.operations_under += 1
            if op_id in served_ids:
                self.operations_served += 1
            elif op_id in self.unserved:
                self.used_unserved.add(op_id)
                self.operations_excepted += 1
            else:
                where = ("on a served resource path" if on_served_path
                         else "under %s" % prefix)
                self.errors.append(
                    "Maesn's %s %s (%s) is %s but no rpc serves it: serve "
                    "it, or list it under unserved_operations with the "
                    "reason" % (method.upper(), path, op_id, where))
        for op_id in self.unserved:
            if op_id in self.used_unserved:
                continue
            if op_id in served_ids:
                why = "an rpc serves it now"
            elif op_id not in ops:
                why = "Maesn's description has no such operation"
            else:
                why = "it is neither on a served resource path nor in scope"
            self.errors.append("unserved operation %s is no longer needed "
                               "(%s); remove it from fidelity.yaml"
                               % (op_id, why))

    def run(self):
        ops = {}
        for path, item in self.spec.get("paths", {}).items():
            for method, op in item.items():
                if method in HTTP_METHODS and isinstance(op, dict):
                    op_id = op.get("operationId") or "%s %s" % (
                        method.upper(), path)
                    ops[op_id] = (path, method, op)
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
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            if self.ref_name(body):
                self.reach(self.ref_name(body), request=True)
            form = op.get("requestBody", {}).get("content", {}).get(
                "multipart/form-data", {}).get("schema")
            if form is not None:
                self.check_form(rpc, op_id, form)
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
        self.check_operations(ops)
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
          "%d query parameters (%d typed against what they are sent from)"
          % (checker.operations_checked, checker.parameters_checked,
             checker.parameter_types_checked))
    print("%d operations in scope (served paths and %s): %d served, %d "
          "excepted" % (checker.operations_under,
                        ", ".join(checker.scope) or "no other prefix",
                        checker.operations_served,
                        checker.operations_excepted))
    for op_id in sorted(checker.used_unserved):
        print("  not served: %s: %s" % (op_id, checker.unserved[op_id]))
    print("%d documented properties mapped / %d total"
          % (checker.mapped, checker.total))
    print("enum checks: %d Maesn enums fully offered by the contract; %d "
          "request enums checked the other way (every proto value is one "
          "Maesn accepts; %d of them narrowed by maesn_accepts), %d wider by "
          "exception"
          % (checker.enums_forward, checker.enums_reverse,
             len(checker.narrowed), len(checker.widened)))
    for where, field in checker.narrowed:
        print("  narrowed by maesn_accepts: %s (proto field %s)"
              % (where, field))
    for key, names in checker.widened:
        print("  wider by exception: %s (%s): %s"
              % (key, ", ".join(names), checker.exceptions[key]))
    if checker.free_text_enums:
        print("request enums sent from a proto string (any text reaches "
              "Maesn, not checked value by value): %d: %s"
              % (len(checker.free_text_enums),
                 ", ".join(checker.free_text_enums)))
    print("date properties: %d carried as google.type.Date, %d as "
          "google.protobuf.Timestamp; date query parameters: %d as Date, %d "
          "as Timestamp" % (checker.date_properties[DATE],
                            checker.date_properties[TIMESTAMP],
                            checker.date_parameters[DATE],
                            checker.date_parameters[TIMESTAMP]))
    for e in checker.errors:
        print("FIDELITY GAP: " + e, file=sys.stderr)
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
