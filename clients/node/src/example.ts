// Calls the Maesn gRPC gateway from Node.js (TypeScript, @grpc/grpc-js).
// A failed call prints its status code and the google.rpc details the
// gateway sends (ErrorInfo, RetryInfo, BadRequest), then what to do next,
// and exits 1.
import * as fs from 'fs';
import * as path from 'path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import type {ProtoGrpcType as ContactProto} from './gen/contact';
import type {ProtoGrpcType as FileProto} from './gen/file';
import type {ProtoGrpcType as InvoiceProto} from './gen/invoice';
import type {Date as CalendarDate} from './gen/google/type/Date';
import type {ContactServiceClient} from './gen/maesn/accounting/v1/ContactService';
import type {CreateContactResponse__Output} from './gen/maesn/accounting/v1/CreateContactResponse';
import type {CreateInvoiceResponse__Output} from './gen/maesn/accounting/v1/CreateInvoiceResponse';
import type {Document__Output} from './gen/maesn/accounting/v1/Document';
import type {FileServiceClient} from './gen/maesn/accounting/v1/FileService';
import type {GetInvoiceDocumentResponse__Output} from './gen/maesn/accounting/v1/GetInvoiceDocumentResponse';
import type {GetInvoiceResponse__Output} from './gen/maesn/accounting/v1/GetInvoiceResponse';
import type {Invoice__Output} from './gen/maesn/accounting/v1/Invoice';
import type {InvoiceServiceClient} from './gen/maesn/accounting/v1/InvoiceService';
import type {ListInvoicesRequest} from './gen/maesn/accounting/v1/ListInvoicesRequest';
import type {ListInvoicesResponse__Output} from './gen/maesn/accounting/v1/ListInvoicesResponse';
import type {Task__Output} from './gen/maesn/accounting/v1/Task';
import type {TaskServiceClient} from './gen/maesn/accounting/v1/TaskService';
import type {ProtoGrpcType as TaskProto} from './gen/task';
import type {UploadFileAsyncResponse__Output} from './gen/maesn/accounting/v1/UploadFileAsyncResponse';

const USAGE = `usage: node clients/node/dist/example.js COMMAND

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
  MAESN_API_KEY      the Maesn API key; optional when the gateway has one`;

const UNARY_TIMEOUT_MS = 10_000;  // every call has a deadline
const WATCH_TIMEOUT_MS = 120_000;  // a watch lasts until the task ends, within this
const PROTO_DIR = path.join(__dirname, 'proto');
// The same options as proto-loader-gen-types in generate.sh.
const LOADER_OPTIONS: protoLoader.Options = {
  longs: String,
  enums: String,
  arrays: true,
  includeDirs: [PROTO_DIR],
};
// round_robin over every address dns:/// resolves, and a retry policy for
// UNAVAILABLE on reads only: writes are never retried automatically.
const SERVICE_CONFIG =
    fs.readFileSync(path.join(__dirname, 'service_config.json'), 'utf8');

type Api = ContactProto&FileProto&InvoiceProto&TaskProto;

function loadApi(): Api {
  const definition = protoLoader.loadSync(
      [
        'maesn/accounting/v1/contact.proto', 'maesn/accounting/v1/file.proto',
        'maesn/accounting/v1/invoice.proto', 'maesn/accounting/v1/task.proto'
      ],
      LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition) as unknown as Api;
}

// Credentials travel as call metadata, never in the request.
function callMetadata(): grpc.Metadata {
  const accountKey = process.env.MAESN_ACCOUNT_KEY;
  if (!accountKey) {
    console.error('MAESN_ACCOUNT_KEY is not set');
    process.exit(1);
  }
  const metadata = new grpc.Metadata();
  metadata.set('x-account-key', accountKey);
  if (process.env.MAESN_API_KEY) {
    metadata.set('x-api-key', process.env.MAESN_API_KEY);
  }
  return metadata;
}

function deadline(ms: number): grpc.CallOptions {
  return {deadline: new Date(Date.now() + ms)};
}

// Turns a callback-style unary call into a promise.
function unary<Res>(start: (done: grpc.requestCallback<Res>) => void):
    Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, response) => err || response === undefined ?
              reject(err) :
              resolve(response));
  });
}

// An optional field's value, or "-" when it is unset.
function opt(value: unknown): string {
  return value === undefined || value === null ? '-' : String(value);
}

function invoiceLine(invoice: Invoice__Output|null|undefined): string {
  const i = invoice ?? ({} as Partial<Invoice__Output>);
  return `invoice ${opt(i.invoiceId)} number=${opt(i.invoiceNumber)}` +
      ` status=${opt(i.status)} total=${opt(i.totalAmount)}` +
      ` currency=${opt(i.currency)}`;
}

async function listInvoices(
    invoices: InvoiceServiceClient, metadata: grpc.Metadata,
    pageSize: number): Promise<void> {
  const request: ListInvoicesRequest = {pageSize};
  let count = 0;
  let pages = 0;
  let totalSize = 0;
  for (;;) {
    const response = await unary<ListInvoicesResponse__Output>(
        done => invoices.ListInvoices(
            request, metadata, deadline(UNARY_TIMEOUT_MS), done));
    pages++;
    totalSize = response.totalSize ?? 0;
    for (const invoice of response.invoices) {
      count++;
      console.log(invoiceLine(invoice));
    }
    if (!response.nextPageToken) break;
    request.pageToken = response.nextPageToken;
  }
  console.log(
      `listed ${count} invoices on ${pages} pages (total_size=${totalSize})`);
}

async function getInvoice(
    invoices: InvoiceServiceClient, metadata: grpc.Metadata,
    invoiceId: string): Promise<void> {
  const response = await unary<GetInvoiceResponse__Output>(
      done => invoices.GetInvoice(
          {invoiceId}, metadata, deadline(UNARY_TIMEOUT_MS), done));
  console.log(invoiceLine(response.invoice));
  for (const item of response.invoice?.lineItems ?? []) {
    console.log(
        `  line ${opt(item.lineItemId)} name=${opt(item.name)}` +
        ` quantity=${opt(item.quantity)} unit_amount=${opt(item.unitAmount)}`);
  }
  for (const warning of response.meta?.warnings ?? []) {
    console.log(`  warning: ${warning}`);
  }
  for (const warning of response.meta?.mappingWarnings ?? []) {
    console.log(`  mapping_warning: ${warning.field} ${warning.message}`);
  }
}

// Today (UTC) as a calendar date (google.type.Date): a day, not an instant,
// e.g. the day printed on an invoice.
function today(): CalendarDate {
  const now = new Date();
  return {
    year: now.getUTCFullYear(),
    month: now.getUTCMonth() + 1,
    day: now.getUTCDate(),
  };
}

async function createInvoice(
    invoices: InvoiceServiceClient, metadata: grpc.Metadata,
    invoiceId?: string): Promise<void> {
  // A write: if this fails with an unclear outcome, look the invoice up
  // before creating it again (see describeError). With a client-chosen id
  // that is one GetInvoice, and sending it again cannot duplicate it.
  const response = await unary<CreateInvoiceResponse__Output>(
      done => invoices.CreateInvoice(
          {
            invoice: {
              invoiceId,
              contactId: 'eaa28f49-6028-4b6e-bb12-d8f6278073fc',
              currency: 'EUR',
              invoiceDate: today(),
              lineItems: [{
                name: 'Consulting',
                description: 'Workshop, 2.5 hours',
                quantity: 2.5,
                unitAmount: 120,
                taxRatePercentage: 19,
              }],
            },
          },
          metadata, deadline(UNARY_TIMEOUT_MS), done));
  console.log('created ' + invoiceLine(response.invoice));
}

function taskLine(task: Task__Output): string {
  return `task ${task.taskId} status=${opt(task.status)}` +
      ` raw_status=${opt(task.rawStatus)} done=${task.done ? 'true' : 'false'}` +
      ` information=${task.information.length}`;
}

// Prints each state of the task until it ends; resolves to the last one.
function watchTask(
    tasks: TaskServiceClient, metadata: grpc.Metadata,
    taskId: string): Promise<Task__Output|null> {
  return new Promise((resolve, reject) => {
    const stream =
        tasks.WatchTask({taskId}, metadata, deadline(WATCH_TIMEOUT_MS));
    let last: Task__Output|null = null;
    stream.on('data', message => {
      if (message.heartbeat || !message.task) return;
      last = message.task;
      console.log(taskLine(message.task));
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (last) console.log(`task ${taskId} ended with ${opt(last.rawStatus)}`);
      resolve(last);
    });
  });
}

// A step of the flow answered OK but not with what the next step needs.
class FlowError extends Error {}

interface Clients {
  contacts: ContactServiceClient;
  invoices: InvoiceServiceClient;
  files: FileServiceClient;
  tasks: TaskServiceClient;
}

// One flow across services: a new customer, an invoice for it, and the
// invoice's PDF filed in the target system's document store. The upload is
// asynchronous: Maesn answers with a task id at once, WatchTask follows the
// task until it ends, and the finished task carries the stored file.
async function contactInvoiceUploadFlow(
    {contacts, invoices, files, tasks}: Clients,
    metadata: grpc.Metadata): Promise<void> {
  // 1. The customer. Maesn (the target system) assigns its id.
  const {contact} = await unary<CreateContactResponse__Output>(
      done => contacts.CreateContact(
          {
            contact: {
              contactType: 'CONTACT_TYPE_COMPANY',
              companyName: 'Schreinerei Vogel GmbH',
              isCustomer: true,
              addresses: [{
                type: 'CONTACT_ADDRESS_TYPE_BILLING',
                addressLine1: 'Holzweg 12',
                postalCode: '79098',
                city: 'Freiburg im Breisgau',
                countryCode: 'DE',
              }],
              emailAddresses: [{
                type: 'EMAIL_ADDRESS_TYPE_INVOICE',
                email: 'buchhaltung@schreinerei-vogel.example',
              }],
            },
          },
          metadata, deadline(UNARY_TIMEOUT_MS), done));
  if (!contact?.id) throw new FlowError('the created contact has no id');
  console.log(
      `created contact ${contact.id} name=${opt(contact.companyName)}` +
      ` type=${opt(contact.contactType)}` +
      ` customer=${contact.isCustomer ? 'true' : 'false'}`);

  // 2. An invoice for that customer: the contact id exactly as returned.
  // Maesn computes the totals: (1 x 2480 + 6.5 x 68) net + 19 % tax.
  const invoiceDate = today();
  const {invoice} = await unary<CreateInvoiceResponse__Output>(
      done => invoices.CreateInvoice(
          {
            invoice: {
              contactId: contact.id,
              currency: 'EUR',
              invoiceDate,
              lineItems: [
                {
                  name: 'Einbauschrank Eiche',
                  description: 'Made to measure',
                  quantity: 1,
                  unitAmount: 2480,
                  taxRatePercentage: 19,
                },
                {
                  name: 'Montage',
                  description: 'Fitting on site, 6.5 hours',
                  quantity: 6.5,
                  unitAmount: 68,
                  taxRatePercentage: 19,
                },
              ],
            },
          },
          metadata, deadline(UNARY_TIMEOUT_MS), done));
  if (!invoice?.invoiceId) throw new FlowError('the created invoice has no id');
  console.log(
      `created ${invoiceLine(invoice)} contact=${opt(invoice.contactId)}`);

  // 3. The invoice's PDF, uploaded asynchronously to the document store,
  // linked to the contact and the invoice.
  const {document} = await unary<GetInvoiceDocumentResponse__Output>(
      done => invoices.GetInvoiceDocument(
          {invoiceId: invoice.invoiceId}, metadata, deadline(UNARY_TIMEOUT_MS),
          done));
  const pdf = document?.content ?? Buffer.alloc(0);
  console.log(
      `invoice document ${opt(document?.fileName)}` +
      ` content_type=${opt(document?.contentType)} bytes=${pdf.length}`);
  const upload = await unary<UploadFileAsyncResponse__Output>(
      done => files.UploadFileAsync(
          {
            upload: {
              file: {
                fileName: document?.fileName,
                contentType: document?.contentType,
                content: pdf,
              },
              contactId: contact.id,
              resourceId: invoice.invoiceId,
              documentType: 'Rechnungsausgang',
              documentDate: invoiceDate,
            },
          },
          metadata, deadline(UNARY_TIMEOUT_MS), done));
  if (!upload.taskId) {
    throw new FlowError('Maesn answered the upload without a task id');
  }
  console.log(`upload started: task ${upload.taskId}`);
  const task = await watchTask(tasks, metadata, upload.taskId);
  if (task?.status !== 'TASK_STATUS_SUCCESS') {
    throw new FlowError(`task ${upload.taskId} did not succeed`);
  }

  // The finished task's result is Maesn's DocumentResponseDto of the stored
  // file, whose JSON is the proto3 JSON of Document (same property names,
  // content in base64): protobufjs reads it into the typed message.
  const stored = parseDocument(task.responseDataJson || '{}');
  console.log(
      `stored file ${opt(stored.id)} name=${opt(stored.fileName)}` +
      ` content_type=${opt(stored.contentType)}` +
      ` bytes=${stored.content?.length ?? 0}`);
}

// Reads the JSON of a Document into the typed message (unknown properties
// are ignored, content is decoded from base64).
function parseDocument(json: string): Document__Output {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('maesn/accounting/v1/common.proto');
  const type = root.lookupType('maesn.accounting.v1.Document');
  return type.toObject(type.fromObject(JSON.parse(json)), {longs: String}) as
      Document__Output;
}

// The google.rpc types, to decode the grpc-status-details-bin trailer
// (field names as in the .proto files: type_url, retry_delay, ...).
function loadErrorModel(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  return root.loadSync(
      ['google/rpc/status.proto', 'google/rpc/error_details.proto'],
      {keepCase: true});
}

// Reads the status code and the google.rpc.Status details and says what to
// do next.
function describeError(err: grpc.ServiceError, isWrite: boolean): void {
  console.log(`error: code=${grpc.status[err.code]} message=${err.details}`);
  const root = loadErrorModel();
  const toObject = {longs: Number, enums: String};
  let outcome: string|undefined;
  let retryDelay: number|undefined;
  const statusType = root.lookupType('google.rpc.Status');
  for (const raw of err.metadata.get('grpc-status-details-bin')) {
    const status =
        statusType.toObject(statusType.decode(raw as Buffer), toObject);
    for (const any of status.details ?? []) {
      const typeName = String(any.type_url).split('/').pop() ?? '';
      const type = root.lookup(typeName);
      if (!(type instanceof protobuf.Type)) continue;  // not a google.rpc detail
      const detail = type.toObject(type.decode(any.value), toObject);
      if (typeName === 'google.rpc.ErrorInfo') {
        const metadata = Object.entries(detail.metadata ?? {})
                             .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                             .map(([k, v]) => `${k}=${v}`)
                             .join(',');
        console.log(
            `error_info: reason=${detail.reason} domain=${detail.domain}` +
            ` metadata=${metadata}`);
        outcome = detail.metadata?.write_outcome;
      } else if (typeName === 'google.rpc.RetryInfo') {
        const delay = detail.retry_delay ?? {};
        retryDelay = (delay.seconds ?? 0) + (delay.nanos ?? 0) / 1e9;
        console.log(`retry_info: retry_delay=${retryDelay}s`);
      } else if (typeName === 'google.rpc.BadRequest') {
        for (const violation of detail.field_violations ?? []) {
          console.log(
              `bad_request: field=${violation.field}` +
              ` description=${violation.description}`);
        }
      }
    }
  }
  const unclear = err.code === grpc.status.UNAVAILABLE ||
      err.code === grpc.status.DEADLINE_EXCEEDED;
  if (retryDelay !== undefined) {
    console.log(`advice: retry after ${retryDelay}s`);
  } else if (isWrite && (outcome === 'UNKNOWN' || unclear)) {
    console.log(
        'advice: the write may have happened: look it up before sending it again');
  } else if (unclear) {
    console.log('advice: retry later');
  } else {
    console.log(
        'advice: do not retry: fix the request, the credentials or the account');
  }
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!['list', 'get', 'create', 'watch', 'flow'].includes(command)) {
    return usage();
  }
  const metadata = callMetadata();
  const api = loadApi();
  const target = process.env.MAESN_GATEWAY ?? 'dns:///localhost:50051';
  const credentials = grpc.credentials.createInsecure();
  // One channel for every client.
  const channel = new grpc.Channel(
      target, credentials, {'grpc.service_config': SERVICE_CONFIG});
  const v1 = api.maesn.accounting.v1;
  const options = {channelOverride: channel};
  const clients: Clients = {
    contacts: new v1.ContactService(target, credentials, options),
    invoices: new v1.InvoiceService(target, credentials, options),
    files: new v1.FileService(target, credentials, options),
    tasks: new v1.TaskService(target, credentials, options),
  };
  const {invoices, tasks} = clients;
  try {
    if (command === 'list' && args.length <= 1 &&
        Number.isInteger(Number(args[0] ?? 0))) {
      await listInvoices(invoices, metadata, Number(args[0] ?? 0));
    } else if (command === 'get' && args.length === 1) {
      await getInvoice(invoices, metadata, args[0]);
    } else if (command === 'create' && args.length <= 1) {
      await createInvoice(invoices, metadata, args[0]);
    } else if (command === 'watch' && args.length === 1) {
      await watchTask(tasks, metadata, args[0]);
    } else if (command === 'flow' && args.length === 0) {
      await contactInvoiceUploadFlow(clients, metadata);
    } else {
      return usage();
    }
    return 0;
  } catch (err) {
    if (err && typeof (err as grpc.ServiceError).code === 'number') {
      describeError(
          err as grpc.ServiceError, command === 'create' || command === 'flow');
      return 1;
    }
    if (err instanceof FlowError) {
      console.log(`error: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    channel.close();
  }
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code;
});
