#!/usr/bin/python3
"""Calls the Maesn gRPC gateway from Python.

  PYTHONPATH=clients/python/gen /usr/bin/python3 clients/python/example.py COMMAND

Commands:
  list [PAGE_SIZE]   list every invoice, following next_page_token
  get INVOICE_ID     read one invoice
  create [ID]        create an invoice, with a client-chosen id if given
                     (never retried automatically)
  watch TASK_ID      print each change of an async task until it ends
  flow               across resources: create a contact, invoice it, and
                     file the invoice's PDF in the target system's document
                     store by an asynchronous upload, watched until it ends

Environment:
  MAESN_GATEWAY      gRPC target (default dns:///localhost:50051)
  MAESN_ACCOUNT_KEY  the end user's Maesn account key (required)
  MAESN_API_KEY      the Maesn API key; optional when the gateway has one

A failed call prints its status code and the google.rpc details the gateway
sends (ErrorInfo, RetryInfo, BadRequest), then what to do next, and exits 1.
"""

import datetime
import os
import pathlib
import sys

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2
from google.type import date_pb2
from maesn.accounting.v1 import (common_pb2, contact_pb2, contact_pb2_grpc,
                                 file_pb2, file_pb2_grpc, invoice_pb2,
                                 invoice_pb2_grpc, task_pb2, task_pb2_grpc)

UNARY_TIMEOUT_S = 10  # every call has a deadline
WATCH_TIMEOUT_S = 120  # a watch lasts until the task ends, within this
# round_robin over every address dns:/// resolves, and a retry policy for
# UNAVAILABLE on reads only: writes are never retried automatically.
SERVICE_CONFIG = pathlib.Path(__file__).resolve().parent.parent.joinpath(
    "service_config.json").read_text()


def open_channel(target):
    return grpc.insecure_channel(target, options=[
        ("grpc.service_config", SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
    ])


def call_metadata():
    """Credentials travel as call metadata, never in the request."""
    account_key = os.environ.get("MAESN_ACCOUNT_KEY")
    if not account_key:
        sys.exit("MAESN_ACCOUNT_KEY is not set")
    metadata = [("x-account-key", account_key)]
    if os.environ.get("MAESN_API_KEY"):
        metadata.append(("x-api-key", os.environ["MAESN_API_KEY"]))
    return metadata


def number(value):
    """A double exactly as received (shortest round-trip form)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def opt(message, field, fmt=str):
    """An optional field's value, or "-" when it is unset."""
    if not message.HasField(field):
        return "-"
    value = getattr(message, field)
    enum_type = message.DESCRIPTOR.fields_by_name[field].enum_type
    if enum_type is not None:
        known = enum_type.values_by_number.get(value)
        return known.name if known else str(value)
    return fmt(value)


def invoice_line(invoice):
    return (f"invoice {opt(invoice, 'invoice_id')}"
            f" number={opt(invoice, 'invoice_number')}"
            f" status={opt(invoice, 'status')}"
            f" total={opt(invoice, 'total_amount', number)}"
            f" currency={opt(invoice, 'currency')}")


def list_invoices(invoices, metadata, page_size):
    request = invoice_pb2.ListInvoicesRequest(page_size=page_size)
    count = pages = 0
    while True:
        response = invoices.ListInvoices(request, metadata=metadata,
                                         timeout=UNARY_TIMEOUT_S)
        pages += 1
        for invoice in response.invoices:
            count += 1
            print(invoice_line(invoice))
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    print(f"listed {count} invoices on {pages} pages"
          f" (total_size={response.total_size})")


def get_invoice(invoices, metadata, invoice_id):
    response = invoices.GetInvoice(
        invoice_pb2.GetInvoiceRequest(invoice_id=invoice_id),
        metadata=metadata, timeout=UNARY_TIMEOUT_S)
    print(invoice_line(response.invoice))
    for item in response.invoice.line_items:
        print(f"  line {opt(item, 'line_item_id')} name={opt(item, 'name')}"
              f" quantity={opt(item, 'quantity', number)}"
              f" unit_amount={opt(item, 'unit_amount', number)}")
    for warning in response.meta.warnings:
        print(f"  warning: {warning}")
    for warning in response.meta.mapping_warnings:
        print(f"  mapping_warning: {warning.field} {warning.message}")


def today():
    """Today (UTC) as a calendar date (google.type.Date): a day, not an
    instant, e.g. the day printed on an invoice."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return date_pb2.Date(year=now.year, month=now.month, day=now.day)


def create_invoice(invoices, metadata, invoice_id=None):
    new_invoice = invoice_pb2.NewInvoice(
        invoice_id=invoice_id,
        contact_id="eaa28f49-6028-4b6e-bb12-d8f6278073fc",
        currency="EUR",
        invoice_date=today(),
        line_items=[
            invoice_pb2.NewInvoiceLineItem(
                name="Consulting", description="Workshop, 2.5 hours",
                quantity=2.5, unit_amount=120, tax_rate_percentage=19),
        ])
    # A write: if this fails with an unclear outcome, look the invoice up
    # before creating it again (see describe_error). With a client-chosen id
    # that is one GetInvoice, and sending it again cannot duplicate it.
    response = invoices.CreateInvoice(
        invoice_pb2.CreateInvoiceRequest(invoice=new_invoice),
        metadata=metadata, timeout=UNARY_TIMEOUT_S)
    print("created " + invoice_line(response.invoice))


def task_line(task):
    return (f"task {task.task_id} status={opt(task, 'status')}"
            f" raw_status={opt(task, 'raw_status')}"
            f" done={'true' if task.done else 'false'}"
            f" information={len(task.information)}")


def watch_task(tasks, metadata, task_id):
    """Prints each state of the task until it ends; returns the last one."""
    stream = tasks.WatchTask(task_pb2.WatchTaskRequest(task_id=task_id),
                             metadata=metadata, timeout=WATCH_TIMEOUT_S)
    last = None
    for message in stream:
        if message.heartbeat:
            continue
        last = message.task
        print(task_line(last), flush=True)
    if last is not None:
        print(f"task {task_id} ended with {opt(last, 'raw_status')}")
    return last


class FlowError(Exception):
    """A step of the flow answered OK but not with what the next step needs."""


def contact_invoice_upload_flow(channel, metadata):
    """One flow across services: a new customer, an invoice for it, and the
    invoice's PDF filed in the target system's document store. The upload is
    asynchronous: Maesn answers with a task id at once, WatchTask follows the
    task until it ends, and the finished task carries the stored file."""
    contacts = contact_pb2_grpc.ContactServiceStub(channel)
    invoices = invoice_pb2_grpc.InvoiceServiceStub(channel)
    files = file_pb2_grpc.FileServiceStub(channel)
    tasks = task_pb2_grpc.TaskServiceStub(channel)

    # 1. The customer. Maesn (the target system) assigns its id.
    contact = contacts.CreateContact(contact_pb2.CreateContactRequest(
        contact=contact_pb2.NewContact(
            contact_type=contact_pb2.CONTACT_TYPE_COMPANY,
            company_name="Schreinerei Vogel GmbH",
            is_customer=True,
            addresses=[contact_pb2.ContactAddress(
                type=contact_pb2.CONTACT_ADDRESS_TYPE_BILLING,
                address_line1="Holzweg 12", postal_code="79098",
                city="Freiburg im Breisgau", country_code="DE")],
            email_addresses=[contact_pb2.EmailAddress(
                type=contact_pb2.EMAIL_ADDRESS_TYPE_INVOICE,
                email="buchhaltung@schreinerei-vogel.example")])),
        metadata=metadata, timeout=UNARY_TIMEOUT_S).contact
    if not contact.id:
        raise FlowError("the created contact has no id")
    print(f"created contact {contact.id}"
          f" name={opt(contact, 'company_name')}"
          f" type={opt(contact, 'contact_type')}"
          f" customer={str(contact.is_customer).lower()}")

    # 2. An invoice for that customer: the contact id exactly as returned.
    # Maesn computes the totals: (1 x 2480 + 6.5 x 68) net + 19 % tax.
    invoice_date = today()
    invoice = invoices.CreateInvoice(invoice_pb2.CreateInvoiceRequest(
        invoice=invoice_pb2.NewInvoice(
            contact_id=contact.id,
            currency="EUR",
            invoice_date=invoice_date,
            line_items=[
                invoice_pb2.NewInvoiceLineItem(
                    name="Einbauschrank Eiche", description="Made to measure",
                    quantity=1, unit_amount=2480, tax_rate_percentage=19),
                invoice_pb2.NewInvoiceLineItem(
                    name="Montage", description="Fitting on site, 6.5 hours",
                    quantity=6.5, unit_amount=68, tax_rate_percentage=19),
            ])),
        metadata=metadata, timeout=UNARY_TIMEOUT_S).invoice
    print(f"created {invoice_line(invoice)}"
          f" contact={opt(invoice, 'contact_id')}")

    # 3. The invoice's PDF, uploaded asynchronously to the document store,
    # linked to the contact and the invoice.
    document = invoices.GetInvoiceDocument(
        invoice_pb2.GetInvoiceDocumentRequest(invoice_id=invoice.invoice_id),
        metadata=metadata, timeout=UNARY_TIMEOUT_S).document
    print(f"invoice document {opt(document, 'file_name')}"
          f" content_type={opt(document, 'content_type')}"
          f" bytes={len(document.content)}")
    upload = files.UploadFileAsync(file_pb2.UploadFileAsyncRequest(
        upload=file_pb2.FileUpload(
            file=common_pb2.FilePart(file_name=document.file_name,
                                     content_type=document.content_type,
                                     content=document.content),
            contact_id=contact.id,
            resource_id=invoice.invoice_id,
            document_type="Rechnungsausgang",
            document_date=invoice_date)),
        metadata=metadata, timeout=UNARY_TIMEOUT_S)
    if not upload.task_id:
        raise FlowError("Maesn answered the upload without a task id")
    print(f"upload started: task {upload.task_id}", flush=True)
    task = watch_task(tasks, metadata, upload.task_id)
    if task is None or task.status != task_pb2.TASK_STATUS_SUCCESS:
        raise FlowError(f"task {upload.task_id} did not succeed")

    # The finished task's result is Maesn's DocumentResponseDto of the stored
    # file, whose JSON is the proto3 JSON of Document (same property names,
    # content in base64): parsed into the typed message.
    stored = json_format.Parse(task.response_data_json or "{}",
                               common_pb2.Document(),
                               ignore_unknown_fields=True)
    print(f"stored file {opt(stored, 'id')}"
          f" name={opt(stored, 'file_name')}"
          f" content_type={opt(stored, 'content_type')}"
          f" bytes={len(stored.content)}")


def describe_error(err, is_write):
    """Reads the status code and the google.rpc.Status details (from the
    grpc-status-details-bin trailer) and says what to do next."""
    print(f"error: code={err.code().name} message={err.details()}")
    status = status_pb2.Status()
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status.ParseFromString(value)
    error_info = retry_info = None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            error_info = error_details_pb2.ErrorInfo()
            detail.Unpack(error_info)
            meta = ",".join(f"{k}={v}"
                            for k, v in sorted(error_info.metadata.items()))
            print(f"error_info: reason={error_info.reason}"
                  f" domain={error_info.domain} metadata={meta}")
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry_info = error_details_pb2.RetryInfo()
            detail.Unpack(retry_info)
            print("retry_info: retry_delay="
                  f"{number(retry_info.retry_delay.ToTimedelta().total_seconds())}s")
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                print(f"bad_request: field={violation.field}"
                      f" description={violation.description}")
    outcome = error_info.metadata.get("write_outcome") if error_info else None
    if retry_info is not None:
        delay = retry_info.retry_delay.ToTimedelta().total_seconds()
        print(f"advice: retry after {number(delay)}s")
    elif is_write and (outcome == "UNKNOWN" or err.code() in (
            grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)):
        print("advice: the write may have happened: look it up before"
              " sending it again")
    elif err.code() in (grpc.StatusCode.UNAVAILABLE,
                        grpc.StatusCode.DEADLINE_EXCEEDED):
        print("advice: retry later")
    else:
        print("advice: do not retry: fix the request, the credentials or"
              " the account")


def main(argv):
    if len(argv) < 2 or argv[1] not in ("list", "get", "create", "watch",
                                         "flow"):
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[1], argv[2:]
    metadata = call_metadata()
    with open_channel(os.environ.get("MAESN_GATEWAY",
                                     "dns:///localhost:50051")) as channel:
        invoices = invoice_pb2_grpc.InvoiceServiceStub(channel)
        tasks = task_pb2_grpc.TaskServiceStub(channel)
        try:
            if command == "list" and (not args or args[0].isdigit()):
                list_invoices(invoices, metadata,
                              int(args[0]) if args else 0)
            elif command == "get" and len(args) == 1:
                get_invoice(invoices, metadata, args[0])
            elif command == "create" and len(args) <= 1:
                create_invoice(invoices, metadata, *args)
            elif command == "watch" and len(args) == 1:
                watch_task(tasks, metadata, args[0])
            elif command == "flow" and not args:
                contact_invoice_upload_flow(channel, metadata)
            else:
                print(__doc__, file=sys.stderr)
                return 2
        except grpc.RpcError as err:
            describe_error(err, is_write=command in ("create", "flow"))
            return 1
        except FlowError as err:
            print(f"error: {err}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
