#!/usr/bin/env python3
"""Tests of the fidelity check itself (check_openapi_fidelity.py): a tiny
synthetic Maesn description, fidelity.yaml and proto dump that pass, and for
each rule a variant that breaks it and must fail, so that the check cannot
pass silently.

Usage: /usr/bin/python3 check_openapi_fidelity_test.py (ctest
fidelity_checker_test). Needs only the standard library and PyYAML (which
the checker imports).
"""
import copy
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location(
    "check_openapi_fidelity", os.path.join(HERE, "check_openapi_fidelity.py"))
fidelity = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fidelity)

PKG = "maesn.accounting.v1."


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def envelope(data):
    return {"allOf": [ref("BaseResponseDto"),
                      {"properties": {"data": data}}]}


def answer(code, data):
    return {code: {"content": {"application/json": {
        "schema": envelope(data)}}}}


def query(name, schema):
    return {"name": name, "in": "query", "schema": schema}


SPEC = {
    "paths": {
        "/accounting/things": {
            "get": {
                "operationId": "getThings",
                "parameters": [
                    query("page", {"type": "number"}),
                    query("limit", {"type": "integer", "enum": [5, 10]}),
                    query("status", {"type": "string", "enum": ["A", "B"]}),
                    query("lastModifiedAt", {"type": "string"}),
                    query("rawData", {"type": "boolean"}),
                ],
                "responses": answer(200, {"type": "array",
                                          "items": ref("ThingResponseDto")}),
            },
            "post": {
                "operationId": "createThing",
                "requestBody": {"content": {"application/json": {
                    "schema": ref("CreateThingRequestDto")}}},
                "responses": answer(201, ref("ThingResponseDto")),
            },
        },
        "/accounting/things/{thingId}": {
            "get": {
                "operationId": "getThing",
                "parameters": [{"name": "thingId", "in": "path",
                                "schema": {"type": "string"}}],
                "responses": answer(200, ref("ThingResponseDto")),
            },
        },
        "/accounting/v2/things/{thingId}": {
            "get": {
                "operationId": "getThingV2",
                "responses": answer(200, ref("ThingResponseDto")),
            },
        },
        "/accounting/others": {
            "get": {"operationId": "getOthers", "responses": {}},
        },
    },
    "components": {"schemas": {
        "BaseResponseDto": {"properties": {
            "meta": ref("MetaResponse"), "data": {"type": "object"}}},
        "MetaResponse": {"properties": {"timestamp": {"type": "string"}}},
        "ThingResponseDto": {"properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["A", "B"]},
            "createdDate": {"type": "string"},
        }},
        "CreateThingRequestDto": {"properties": {
            "status": {"type": "string", "enum": ["A"]},
            "dueDate": {"type": "string", "format": "date"},
            "part": ref("CreatePartDto"),
        }},
        "CreatePartDto": {"properties": {
            "kind": {"type": "string", "enum": ["X", "Y"]},
        }},
    }},
}

CONFIG = {
    "messages": {
        "ThingResponseDto": "Thing",
        "CreateThingRequestDto": "NewThing",
        "CreatePartDto": "NewPart",
        "MetaResponse": "ResponseMeta",
    },
    "exceptions": {
        "CreateThingRequestDto.status:wider": "refused before sending",
    },
    "unserved_operations": {
        "getThingV2": "the same operation as getThing",
    },
}


def scalar(name, ftype, repeated=False):
    return {"name": name, "repeated": repeated, "type": ftype}


def message(name, full_name, repeated=False):
    return {"name": name, "repeated": repeated, "type": "message",
            "message": full_name}


def enum(name, enum_name, values):
    prefix = enum_name.split(".")[-1].upper() + "_"
    return {"name": name, "repeated": False, "type": "enum",
            "enum": enum_name, "values": list(values),
            "value_names": {v: prefix + v for v in values}}


def fields(**by_json_name):
    return {"fields": by_json_name}


DUMP = {
    "messages": {
        PKG + "Thing": fields(
            id=scalar("id", "string"),
            status=enum("status", PKG + "Status", ["A", "B"]),
            createdDate=message("created_date", fidelity.TIMESTAMP)),
        PKG + "NewThing": fields(
            status=enum("status", PKG + "Status", ["A", "B"]),
            dueDate=message("due_date", fidelity.DATE),
            part=message("part", PKG + "NewPart")),
        PKG + "NewPart": fields(kind=enum("kind", PKG + "Kind", ["X", "Y"])),
        PKG + "ResponseMeta": fields(timestamp=scalar("timestamp", "string")),
        PKG + "ListThingsResponse": fields(
            things=message("things", PKG + "Thing", repeated=True),
            meta=message("meta", PKG + "ResponseMeta"),
            rawData=message("raw_data", "google.protobuf.Value")),
        PKG + "ThingResponse": fields(
            thing=message("thing", PKG + "Thing"),
            meta=message("meta", PKG + "ResponseMeta")),
    },
    "rpcs": [
        {"rpc": "/pkg.ThingService/ListThings", "operation_id": "getThings",
         "method": "GET", "path": "/accounting/things",
         "query": ["page", "limit", "status", "lastModifiedAt", "rawData"],
         "query_fields": [
             {"name": "page", "from": "page_token", "type": "integer"},
             {"name": "limit", "from": "page_size", "type": "integer",
              "values": [5, 10]},
             {"name": "status",
              "field": enum("status", PKG + "Status", ["A", "B"])},
             {"name": "lastModifiedAt",
              "field": message("modified_since", fidelity.TIMESTAMP)},
             {"name": "rawData", "field": scalar("raw_data", "bool")},
         ],
         "not_sent": [], "response": "ListThingsResponse", "data": "things",
         "body": ""},
        {"rpc": "/pkg.ThingService/CreateThing",
         "operation_id": "createThing", "method": "POST",
         "path": "/accounting/things", "query": [], "query_fields": [],
         "not_sent": [], "response": "ThingResponse", "data": "thing",
         "body": "NewThing"},
        {"rpc": "/pkg.ThingService/GetThing", "operation_id": "getThing",
         "method": "GET", "path": "/accounting/things/{thing_id}",
         "query": [], "query_fields": [], "not_sent": [],
         "response": "ThingResponse", "data": "thing", "body": ""},
    ],
}


def run(spec=SPEC, config=CONFIG, dump=DUMP):
    checker = fidelity.Checker(copy.deepcopy(spec), copy.deepcopy(config),
                               copy.deepcopy(dump))
    checker.run()
    return checker


def variant(edit):
    """Copies of the good inputs, changed by edit(spec, config, dump)."""
    spec, config, dump = (copy.deepcopy(x) for x in (SPEC, CONFIG, DUMP))
    edit(spec, config, dump)
    return spec, config, dump


def rpc(dump, name):
    return next(r for r in dump["rpcs"] if r["rpc"].endswith("/" + name))


def source(dump, rpc_name, parameter):
    return next(q for q in rpc(dump, rpc_name)["query_fields"]
                if q["name"] == parameter)


def props(spec, dto):
    return spec["components"]["schemas"][dto]["properties"]


def expect_gap(edit, text):
    """The variant fails, with an error containing `text`."""
    checker = run(*variant(edit))
    assert any(text in e for e in checker.errors), \
        "expected a gap containing %r, got %r" % (text, checker.errors)


def expect_pass(edit):
    checker = run(*variant(edit))
    assert not checker.errors, checker.errors
    return checker


# --- the good inputs ----------------------------------------------------

def test_good_inputs_pass_with_their_figures():
    checker = run()
    assert not checker.errors, checker.errors
    assert checker.served_resources == ["/accounting/things"]
    assert (checker.operations_under, checker.operations_served,
            checker.operations_excepted) == (4, 3, 1)
    assert checker.request_dtos == {"CreateThingRequestDto",
                                    "CreatePartDto"}
    # Thing.status, NewThing.status, NewPart.kind, the status parameter
    # and the computed limit; all but Thing.status both ways.
    assert checker.enums_forward == 5
    assert checker.enums_reverse == 4
    assert checker.widened == [("CreateThingRequestDto.status:wider",
                                ["STATUS_B"])]
    assert checker.date_properties == {fidelity.TIMESTAMP: 1,
                                       fidelity.DATE: 1}
    assert checker.date_parameters == {fidelity.TIMESTAMP: 1,
                                       fidelity.DATE: 0}
    assert checker.parameter_types_checked == 5


# --- rule 1: enums both ways --------------------------------------------

def test_wider_request_enum_without_exception_fails():
    expect_gap(lambda s, c, d: c["exceptions"].pop(
        "CreateThingRequestDto.status:wider"),
        "CreateThingRequestDto.status accepts only ['A'], but proto field "
        "status (enum maesn.accounting.v1.Status) also offers STATUS_B")


def test_request_enum_narrowed_by_maesn_accepts_passes():
    def edit(spec, config, dump):
        config["exceptions"].pop("CreateThingRequestDto.status:wider")
        dump["messages"][PKG + "NewThing"]["fields"]["status"]["accepts"] = \
            ["A"]
    expect_pass(edit)


def test_maesn_accepts_wider_than_maesn_fails():
    def edit(spec, config, dump):
        config["exceptions"].pop("CreateThingRequestDto.status:wider")
        dump["messages"][PKG + "NewThing"]["fields"]["status"]["accepts"] = \
            ["A", "B"]
    expect_gap(edit, "CreateThingRequestDto.status accepts only ['A']")


def test_maesn_accepts_naming_no_enum_value_fails():
    def edit(spec, config, dump):
        config["exceptions"].pop("CreateThingRequestDto.status:wider")
        dump["messages"][PKG + "NewThing"]["fields"]["status"]["accepts"] = \
            ["Z"]
    expect_gap(edit, "maesn_accepts of proto field status names ['Z']")


def test_wider_enum_in_a_dto_reached_from_a_request_fails():
    def edit(spec, config, dump):
        props(spec, "CreatePartDto")["kind"]["enum"] = ["X"]
    expect_gap(edit, "CreatePartDto.kind accepts only ['X']")


def test_wider_response_enum_passes():
    def edit(spec, config, dump):
        dump["messages"][PKG + "Thing"]["fields"]["status"] = enum(
            "status", PKG + "Status", ["A", "B", "C"])
    expect_pass(edit)


def test_unspecified_is_not_a_value():
    # The dump leaves _UNSPECIFIED out of "values"; equal sets pass.
    def edit(spec, config, dump):
        props(spec, "CreateThingRequestDto")["status"]["enum"] = ["A", "B"]
        config["exceptions"].pop("CreateThingRequestDto.status:wider")
    expect_pass(edit)


def test_exception_no_longer_needed_fails():
    def edit(spec, config, dump):
        props(spec, "CreateThingRequestDto")["status"]["enum"] = ["A", "B"]
    expect_gap(edit, "exception CreateThingRequestDto.status:wider is no "
               "longer needed")


def test_missing_maesn_value_still_fails():
    def edit(spec, config, dump):
        props(spec, "ThingResponseDto")["status"]["enum"].append("D")
    expect_gap(edit, "ThingResponseDto.status: Maesn values ['D'] have no "
               "value in enum")


def test_wider_enum_parameter_fails():
    def edit(spec, config, dump):
        source(dump, "ListThings", "status")["field"] = enum(
            "status", PKG + "Status", ["A", "B", "C"])
    expect_gap(edit, "getThings.status accepts only ['A', 'B'], but proto "
               "field status (enum maesn.accounting.v1.Status) also offers "
               "STATUS_C")


def test_wider_enum_parameter_with_exception_passes():
    def edit(spec, config, dump):
        source(dump, "ListThings", "status")["field"] = enum(
            "status", PKG + "Status", ["A", "B", "C"])
        config["exceptions"]["getThings.status:wider"] = "refused"
    checker = expect_pass(edit)
    assert ("getThings.status:wider", ["STATUS_C"]) in checker.widened


def test_narrower_enum_parameter_fails():
    def edit(spec, config, dump):
        source(dump, "ListThings", "status")["field"] = enum(
            "status", PKG + "Status", ["A"])
    expect_gap(edit, "getThings.status: Maesn values ['B'] have no value")


# --- rule 2: every operation on a served path ---------------------------

def test_new_operation_on_a_served_path_fails():
    def edit(spec, config, dump):
        spec["paths"]["/accounting/things/{thingId}"]["delete"] = {
            "operationId": "deleteThing", "responses": {}}
    expect_gap(edit, "Maesn's DELETE /accounting/things/{thingId} "
               "(deleteThing) is on a served resource path but no rpc "
               "serves it")


def test_unlisted_v2_variant_fails():
    expect_gap(lambda s, c, d: c["unserved_operations"].pop("getThingV2"),
               "Maesn's GET /accounting/v2/things/{thingId} (getThingV2) is "
               "on a served resource path")


def test_operation_on_another_path_is_not_required():
    def edit(spec, config, dump):
        spec["paths"]["/accounting/others"]["post"] = {
            "operationId": "createOther", "responses": {}}
    checker = expect_pass(edit)
    assert checker.operations_under == 4


def test_unserved_entry_for_a_served_operation_fails():
    def edit(spec, config, dump):
        config["unserved_operations"]["getThing"] = "not served"
    expect_gap(edit, "unserved operation getThing is no longer needed (an "
               "rpc serves it now)")


def test_unserved_entry_off_the_served_paths_fails():
    def edit(spec, config, dump):
        config["unserved_operations"]["getOthers"] = "not served"
    expect_gap(edit, "unserved operation getOthers is no longer needed (it "
               "is neither on a served resource path nor in scope)")


def test_operation_under_a_scope_prefix_must_be_served_or_listed():
    def edit(spec, config, dump):
        config["operations_in_scope"] = ["/accounting"]
    expect_gap(edit, "Maesn's GET /accounting/others (getOthers) is under "
               "/accounting but no rpc serves it")


def test_operation_under_a_scope_prefix_may_be_listed():
    def edit(spec, config, dump):
        config["operations_in_scope"] = ["/accounting"]
        config["unserved_operations"]["getOthers"] = "not yet"
    checker = expect_pass(edit)
    assert checker.operations_under == 5
    assert checker.operations_excepted == 2


def test_scope_prefixes_match_whole_segments():
    def edit(spec, config, dump):
        config["operations_in_scope"] = ["/accounting/oth"]
    checker = expect_pass(edit)
    assert checker.operations_under == 4


def test_unserved_entry_for_an_unknown_operation_fails():
    def edit(spec, config, dump):
        config["unserved_operations"]["getGone"] = "not served"
    expect_gap(edit, "unserved operation getGone is no longer needed "
               "(Maesn's description has no such operation)")


# --- rule 3: query parameter types --------------------------------------

def test_parameter_type_mismatch_fails():
    def edit(spec, config, dump):
        source(dump, "ListThings", "rawData")["field"] = scalar(
            "raw_data", "string")
    expect_gap(edit, "getThings.rawData (boolean) cannot be carried by "
               "proto field raw_data (string)")


def test_free_text_field_for_an_enum_parameter_is_listed():
    def edit(spec, config, dump):
        source(dump, "ListThings", "status")["field"] = scalar(
            "status", "string")
    checker = expect_pass(edit)
    assert checker.free_text_enums == ["getThings.status"]


def test_enum_field_for_a_free_text_parameter_fails():
    def edit(spec, config, dump):
        source(dump, "ListThings", "lastModifiedAt")["field"] = enum(
            "x", PKG + "Status", ["A"])
    expect_gap(edit, "getThings.lastModifiedAt is free text but proto "
               "field x is enum")


def test_computed_limit_values_must_match():
    def edit(spec, config, dump):
        source(dump, "ListThings", "limit")["values"] = [5, 10, 25]
    expect_gap(edit, "getThings.limit accepts only [5, 10], but the gateway "
               "sends [5, 10, 25] (from page_size)")


def test_computed_limit_without_its_values_fails():
    def edit(spec, config, dump):
        del source(dump, "ListThings", "limit")["values"]
    expect_gap(edit, "getThings.limit accepts only [5, 10], but the gateway "
               "sends any whole number (from page_size)")


def test_computed_page_must_be_a_number():
    def edit(spec, config, dump):
        spec["paths"]["/accounting/things"]["get"]["parameters"][0][
            "schema"] = {"type": "string"}
    expect_gap(edit, "getThings.page (string) cannot be carried by the "
               "integer the gateway sends from page_token")


def test_parameter_without_its_source_fails():
    def edit(spec, config, dump):
        rpc(dump, "ListThings")["query_fields"].pop()
    expect_gap(edit, "the dump does not say what query parameter rawData "
               "is sent from")


# --- rule 4: calendar dates ---------------------------------------------

def test_date_carries_date_time():
    def edit(spec, config, dump):
        props(spec, "CreateThingRequestDto")["dueDate"]["format"] = \
            "date-time"
    expect_pass(edit)


def test_date_does_not_carry_other_formats():
    def edit(spec, config, dump):
        props(spec, "CreateThingRequestDto")["dueDate"]["format"] = "binary"
    expect_gap(edit, "CreateThingRequestDto.dueDate (string) cannot be "
               "carried by proto field due_date (google.type.Date)")


def test_date_does_not_carry_an_enum():
    def edit(spec, config, dump):
        props(spec, "CreateThingRequestDto")["dueDate"]["enum"] = ["X"]
    expect_gap(edit, "CreateThingRequestDto.dueDate (string enum) cannot be "
               "carried by proto field due_date (google.type.Date)")


def test_date_parameter_is_counted():
    def edit(spec, config, dump):
        source(dump, "ListThings", "lastModifiedAt")["field"] = message(
            "modified_since", fidelity.DATE)
    checker = expect_pass(edit)
    assert checker.date_parameters == {fidelity.TIMESTAMP: 0,
                                       fidelity.DATE: 1}


# --- multipart/form-data bodies ------------------------------------------

def with_form(spec, config, dump):
    """createThing takes a form: files, their positions and the thing as a
    JSON part, carried by a ThingUpload body message."""
    spec["paths"]["/accounting/things"]["post"]["requestBody"] = {
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {
                "files": {"type": "array",
                          "items": {"type": "string", "format": "binary"}},
                "filesPos": {"type": "array", "items": {"type": "string"}},
                "the_thing": ref("CreateThingRequestDto")}}}}}
    dump["messages"][PKG + "ThingUpload"] = fields(
        files=message("files", PKG + "FilePart", repeated=True),
        filesPos=scalar("files_pos", "string", repeated=True),
        the_thing=message("the_thing", PKG + "NewThing"))
    rpc(dump, "CreateThing")["body"] = "ThingUpload"


def test_form_fields_are_checked_and_their_dtos_reached():
    checker = expect_pass(with_form)
    assert "CreateThingRequestDto" in checker.request_dtos
    assert "CreatePartDto" in checker.request_dtos
    # The JSON body's figures and the 3 form fields.
    base = run()
    assert (checker.mapped, checker.total) == (base.mapped + 3,
                                               base.total + 3)


def test_form_field_without_a_proto_field_fails():
    def edit(spec, config, dump):
        with_form(spec, config, dump)
        del dump["messages"][PKG + "ThingUpload"]["fields"]["filesPos"]
    expect_gap(edit, "createThing form field filesPos has no field in "
               "ThingUpload")


def test_form_file_must_be_a_file_part():
    def edit(spec, config, dump):
        with_form(spec, config, dump)
        dump["messages"][PKG + "ThingUpload"]["fields"]["files"] = scalar(
            "files", "bytes", repeated=True)
    expect_gap(edit, "createThing form field files is a file but proto "
               "field files is not a FilePart")


def test_form_file_array_must_be_repeated():
    def edit(spec, config, dump):
        with_form(spec, config, dump)
        dump["messages"][PKG + "ThingUpload"]["fields"]["files"] = message(
            "files", PKG + "FilePart")
    expect_gap(edit, "createThing form field files is an array but proto "
               "field files is not repeated")


def test_form_json_part_must_carry_its_dto():
    def edit(spec, config, dump):
        with_form(spec, config, dump)
        dump["messages"][PKG + "ThingUpload"]["fields"]["the_thing"] = \
            message("the_thing", PKG + "Thing")
    expect_gap(edit, "createThing form field the_thing refers to "
               "CreateThingRequestDto")


def test_form_without_a_body_message_fails():
    def edit(spec, config, dump):
        with_form(spec, config, dump)
        rpc(dump, "CreateThing")["body"] = ""
    expect_gap(edit, "takes multipart/form-data but the rpc has no body "
               "message")


def main():
    tests = [(name, f) for name, f in sorted(globals().items())
             if name.startswith("test_") and callable(f)]
    failed = 0
    for name, test in tests:
        try:
            test()
        except AssertionError as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        else:
            print("ok   %s" % name)
    print("%d of %d checker tests passed" % (len(tests) - failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
