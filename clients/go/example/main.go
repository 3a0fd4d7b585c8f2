// Command example calls the Maesn gRPC gateway from Go.
//
//	clients/go/generate.sh && GRPC_GO_RETRY=on clients/go/gopath/bin/maesn-example COMMAND
//
// Commands:
//
//	list [PAGE_SIZE]   list every invoice, following next_page_token
//	get INVOICE_ID     read one invoice
//	create [ID]        create an invoice, with a client-chosen id if given
//	                   (never retried automatically)
//	watch TASK_ID      print each change of an async task until it ends
//	flow               across resources: create a contact, invoice it, and
//	                   file the invoice's PDF in the target system's document
//	                   store by an asynchronous upload, watched until it ends
//
// Environment:
//
//	MAESN_GATEWAY      gRPC target (default dns:///localhost:50051)
//	MAESN_ACCOUNT_KEY  the end user's Maesn account key (required)
//	MAESN_API_KEY      the Maesn API key; optional when the gateway has one
//	GRPC_GO_RETRY=on   grpc-go before 1.40 (Debian 12 ships 1.33) applies the
//	                   service config's retry policy only with this set
//
// A failed call prints its status code and the google.rpc details the
// gateway sends (ErrorInfo, RetryInfo, BadRequest), then what to do next,
// and exits 1.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/health" // client-side health checking (healthCheckConfig)
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "maesn.dev/gateway/accounting/v1"
)

const (
	unaryTimeout = 10 * time.Second  // every call has a deadline
	watchTimeout = 120 * time.Second // a watch lasts until the task ends, within this
)

// serviceConfig: round_robin over every address dns:/// resolves, and a
// retry policy for UNAVAILABLE on reads only: writes are never retried
// automatically.
//
//go:embed service_config.json
var serviceConfig string

const usage = `usage: maesn-example list [PAGE_SIZE] | get INVOICE_ID | create [ID] | watch TASK_ID | flow`

// withCredentials puts the credentials into the call metadata, never into
// the request.
func withCredentials(ctx context.Context) (context.Context, error) {
	accountKey := os.Getenv("MAESN_ACCOUNT_KEY")
	if accountKey == "" {
		return nil, errors.New("MAESN_ACCOUNT_KEY is not set")
	}
	pairs := []string{"x-account-key", accountKey}
	if apiKey := os.Getenv("MAESN_API_KEY"); apiKey != "" {
		pairs = append(pairs, "x-api-key", apiKey)
	}
	return metadata.AppendToOutgoingContext(ctx, pairs...), nil
}

// number prints a double exactly as received (shortest round-trip form).
func number(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// text prints an optional string, or "-" when it is unset.
func text(v *string) string {
	if v == nil {
		return "-"
	}
	return *v
}

func invoiceLine(inv *v1.Invoice) string {
	status := "-"
	if inv.Status != nil {
		status = inv.Status.String()
	}
	return fmt.Sprintf("invoice %s number=%s status=%s total=%s currency=%s",
		text(inv.InvoiceId), text(inv.InvoiceNumber), status,
		number(inv.TotalAmount), text(inv.Currency))
}

func listInvoices(ctx context.Context, invoices v1.InvoiceServiceClient, pageSize int32) error {
	req := &v1.ListInvoicesRequest{PageSize: pageSize}
	count, pages := 0, 0
	var totalSize int32
	for {
		callCtx, cancel := context.WithTimeout(ctx, unaryTimeout)
		resp, err := invoices.ListInvoices(callCtx, req)
		cancel()
		if err != nil {
			return err
		}
		pages++
		totalSize = resp.GetTotalSize()
		for _, inv := range resp.GetInvoices() {
			count++
			fmt.Println(invoiceLine(inv))
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	fmt.Printf("listed %d invoices on %d pages (total_size=%d)\n", count, pages, totalSize)
	return nil
}

func getInvoice(ctx context.Context, invoices v1.InvoiceServiceClient, id string) error {
	ctx, cancel := context.WithTimeout(ctx, unaryTimeout)
	defer cancel()
	resp, err := invoices.GetInvoice(ctx, &v1.GetInvoiceRequest{InvoiceId: id})
	if err != nil {
		return err
	}
	inv := resp.GetInvoice()
	fmt.Println(invoiceLine(inv))
	for _, item := range inv.GetLineItems() {
		fmt.Printf("  line %s name=%s quantity=%s unit_amount=%s\n", text(item.LineItemId),
			text(item.Name), number(item.Quantity), number(item.UnitAmount))
	}
	for _, w := range resp.GetMeta().GetWarnings() {
		fmt.Printf("  warning: %s\n", w)
	}
	for _, w := range resp.GetMeta().GetMappingWarnings() {
		fmt.Printf("  mapping_warning: %s %s\n", w.GetField(), w.GetMessage())
	}
	return nil
}

// today is today (UTC) as a calendar date (google.type.Date): a day, not an
// instant, e.g. the day printed on an invoice.
func today() *date.Date {
	now := time.Now().UTC()
	return &date.Date{Year: int32(now.Year()), Month: int32(now.Month()), Day: int32(now.Day())}
}

func createInvoice(ctx context.Context, invoices v1.InvoiceServiceClient, id *string) error {
	ctx, cancel := context.WithTimeout(ctx, unaryTimeout)
	defer cancel()
	// A write: if this fails with an unclear outcome, look the invoice up
	// before creating it again (see describeError). With a client-chosen id
	// that is one GetInvoice, and sending it again cannot duplicate it.
	resp, err := invoices.CreateInvoice(ctx, &v1.CreateInvoiceRequest{
		Invoice: &v1.NewInvoice{
			InvoiceId:   id,
			ContactId:   proto.String("eaa28f49-6028-4b6e-bb12-d8f6278073fc"),
			Currency:    proto.String("EUR"),
			InvoiceDate: today(),
			LineItems: []*v1.NewInvoiceLineItem{{
				Name:              proto.String("Consulting"),
				Description:       proto.String("Workshop, 2.5 hours"),
				Quantity:          proto.Float64(2.5),
				UnitAmount:        proto.Float64(120),
				TaxRatePercentage: proto.Float64(19),
			}},
		},
	})
	if err != nil {
		return err
	}
	fmt.Println("created " + invoiceLine(resp.GetInvoice()))
	return nil
}

func taskLine(t *v1.Task) string {
	status := "-"
	if t.Status != nil {
		status = t.Status.String()
	}
	return fmt.Sprintf("task %s status=%s raw_status=%s done=%t information=%d",
		t.GetTaskId(), status, text(t.RawStatus), t.GetDone(), len(t.GetInformation()))
}

// watchTask prints each state of the task until it ends and returns the
// last one (nil when the stream ended before any).
func watchTask(ctx context.Context, tasks v1.TaskServiceClient, id string) (*v1.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, watchTimeout)
	defer cancel()
	stream, err := tasks.WatchTask(ctx, &v1.WatchTaskRequest{TaskId: id})
	if err != nil {
		return nil, err
	}
	var last *v1.Task
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if msg.GetHeartbeat() || msg.GetTask() == nil {
			continue
		}
		last = msg.GetTask()
		fmt.Println(taskLine(last))
	}
	if last != nil {
		fmt.Printf("task %s ended with %s\n", id, text(last.RawStatus))
	}
	return last, nil
}

// flowError: a step of the flow answered OK but not with what the next step
// needs.
type flowError struct{ msg string }

func (e *flowError) Error() string { return e.msg }

type clients struct {
	contacts v1.ContactServiceClient
	invoices v1.InvoiceServiceClient
	files    v1.FileServiceClient
	tasks    v1.TaskServiceClient
}

// contactInvoiceUploadFlow is one flow across services: a new customer, an
// invoice for it, and the invoice's PDF filed in the target system's
// document store. The upload is asynchronous: Maesn answers with a task id
// at once, WatchTask follows the task until it ends, and the finished task
// carries the stored file.
func contactInvoiceUploadFlow(ctx context.Context, c clients) error {
	unary := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, unaryTimeout) }

	// 1. The customer. Maesn (the target system) assigns its id.
	callCtx, cancel := unary()
	defer cancel()
	created, err := c.contacts.CreateContact(callCtx, &v1.CreateContactRequest{
		Contact: &v1.NewContact{
			ContactType: v1.ContactType_CONTACT_TYPE_COMPANY.Enum(),
			CompanyName: proto.String("Schreinerei Vogel GmbH"),
			IsCustomer:  proto.Bool(true),
			Addresses: []*v1.ContactAddress{{
				Type:         v1.ContactAddressType_CONTACT_ADDRESS_TYPE_BILLING.Enum(),
				AddressLine1: proto.String("Holzweg 12"),
				PostalCode:   proto.String("79098"),
				City:         proto.String("Freiburg im Breisgau"),
				CountryCode:  proto.String("DE"),
			}},
			EmailAddresses: []*v1.EmailAddress{{
				Type:  v1.EmailAddressType_EMAIL_ADDRESS_TYPE_INVOICE.Enum(),
				Email: proto.String("buchhaltung@schreinerei-vogel.example"),
			}},
		},
	})
	if err != nil {
		return err
	}
	contact := created.GetContact()
	if contact.GetId() == "" {
		return &flowError{"the created contact has no id"}
	}
	contactType := "-"
	if contact.ContactType != nil {
		contactType = contact.ContactType.String()
	}
	fmt.Printf("created contact %s name=%s type=%s customer=%t\n",
		contact.GetId(), text(contact.CompanyName), contactType, contact.GetIsCustomer())

	// 2. An invoice for that customer: the contact id exactly as returned.
	// Maesn computes the totals: (1 x 2480 + 6.5 x 68) net + 19 % tax.
	invoiceDate := today()
	callCtx, cancel = unary()
	defer cancel()
	createdInvoice, err := c.invoices.CreateInvoice(callCtx, &v1.CreateInvoiceRequest{
		Invoice: &v1.NewInvoice{
			ContactId:   contact.Id,
			Currency:    proto.String("EUR"),
			InvoiceDate: invoiceDate,
			LineItems: []*v1.NewInvoiceLineItem{{
				Name:              proto.String("Einbauschrank Eiche"),
				Description:       proto.String("Made to measure"),
				Quantity:          proto.Float64(1),
				UnitAmount:        proto.Float64(2480),
				TaxRatePercentage: proto.Float64(19),
			}, {
				Name:              proto.String("Montage"),
				Description:       proto.String("Fitting on site, 6.5 hours"),
				Quantity:          proto.Float64(6.5),
				UnitAmount:        proto.Float64(68),
				TaxRatePercentage: proto.Float64(19),
			}},
		},
	})
	if err != nil {
		return err
	}
	invoice := createdInvoice.GetInvoice()
	if invoice.GetInvoiceId() == "" {
		return &flowError{"the created invoice has no id"}
	}
	fmt.Printf("created %s contact=%s\n", invoiceLine(invoice), text(invoice.ContactId))

	// 3. The invoice's PDF, uploaded asynchronously to the document store,
	// linked to the contact and the invoice.
	callCtx, cancel = unary()
	defer cancel()
	doc, err := c.invoices.GetInvoiceDocument(callCtx, &v1.GetInvoiceDocumentRequest{InvoiceId: invoice.GetInvoiceId()})
	if err != nil {
		return err
	}
	pdf := doc.GetDocument()
	fmt.Printf("invoice document %s content_type=%s bytes=%d\n",
		text(pdf.FileName), text(pdf.ContentType), len(pdf.GetContent()))
	callCtx, cancel = unary()
	defer cancel()
	upload, err := c.files.UploadFileAsync(callCtx, &v1.UploadFileAsyncRequest{
		Upload: &v1.FileUpload{
			File: &v1.FilePart{
				FileName:    pdf.GetFileName(),
				ContentType: pdf.GetContentType(),
				Content:     pdf.GetContent(),
			},
			ContactId:    contact.Id,
			ResourceId:   invoice.InvoiceId,
			DocumentType: proto.String("Rechnungsausgang"),
			DocumentDate: invoiceDate,
		},
	})
	if err != nil {
		return err
	}
	if upload.GetTaskId() == "" {
		return &flowError{"Maesn answered the upload without a task id"}
	}
	fmt.Printf("upload started: task %s\n", upload.GetTaskId())
	task, err := watchTask(ctx, c.tasks, upload.GetTaskId())
	if err != nil {
		return err
	}
	if task.GetStatus() != v1.TaskStatus_TASK_STATUS_SUCCESS {
		return &flowError{fmt.Sprintf("task %s did not succeed", upload.GetTaskId())}
	}

	// The finished task's result is Maesn's DocumentResponseDto of the stored
	// file, whose JSON is the proto3 JSON of Document (same property names,
	// content in base64): protojson reads it into the typed message.
	stored := &v1.Document{}
	if data := task.GetResponseDataJson(); data != "" {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(data), stored); err != nil {
			return &flowError{"the task's result is not a document: " + err.Error()}
		}
	}
	fmt.Printf("stored file %s name=%s content_type=%s bytes=%d\n",
		text(stored.Id), text(stored.FileName), text(stored.ContentType), len(stored.GetContent()))
	return nil
}

// describeError reads the status code and the google.rpc.Status details
// (decoded by grpc-go from the grpc-status-details-bin trailer) and says
// what to do next.
func describeError(err error, isWrite bool) {
	st := status.Convert(err)
	fmt.Printf("error: code=%s message=%s\n", codeName(st.Code()), st.Message())
	var outcome string
	var retryDelay *time.Duration
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			keys := make([]string, 0, len(d.GetMetadata()))
			for k := range d.GetMetadata() {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			pairs := make([]string, 0, len(keys))
			for _, k := range keys {
				pairs = append(pairs, k+"="+d.GetMetadata()[k])
			}
			fmt.Printf("error_info: reason=%s domain=%s metadata=%s\n",
				d.GetReason(), d.GetDomain(), strings.Join(pairs, ","))
			outcome = d.GetMetadata()["write_outcome"]
		case *errdetails.RetryInfo:
			delay := d.GetRetryDelay().AsDuration()
			retryDelay = &delay
			fmt.Printf("retry_info: retry_delay=%ss\n", seconds(delay))
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fmt.Printf("bad_request: field=%s description=%s\n", v.GetField(), v.GetDescription())
			}
		}
	}
	unclear := st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded
	switch {
	case retryDelay != nil:
		fmt.Printf("advice: retry after %ss\n", seconds(*retryDelay))
	case isWrite && (outcome == "UNKNOWN" || unclear):
		fmt.Println("advice: the write may have happened: look it up before sending it again")
	case unclear:
		fmt.Println("advice: retry later")
	default:
		fmt.Println("advice: do not retry: fix the request, the credentials or the account")
	}
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// codeNames spell the codes as the gRPC specification does (NOT_FOUND);
// grpc-go's Code.String() says NotFound.
var codeNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
	"UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

func codeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return c.String()
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	if os.Getenv("GRPC_GO_RETRY") != "on" {
		fmt.Fprintln(os.Stderr, "note: GRPC_GO_RETRY=on is not set: this grpc-go does not retry UNAVAILABLE")
	}
	ctx, err := withCredentials(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	target := os.Getenv("MAESN_GATEWAY")
	if target == "" {
		target = "dns:///localhost:50051"
	}
	conn, err := grpc.Dial(target, grpc.WithInsecure(), grpc.WithDefaultServiceConfig(serviceConfig))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	c := clients{
		contacts: v1.NewContactServiceClient(conn),
		invoices: v1.NewInvoiceServiceClient(conn),
		files:    v1.NewFileServiceClient(conn),
		tasks:    v1.NewTaskServiceClient(conn),
	}

	command := args[0]
	switch {
	case command == "list" && len(args) <= 2:
		pageSize := 0
		if len(args) == 2 {
			if pageSize, err = strconv.Atoi(args[1]); err != nil {
				fmt.Fprintln(os.Stderr, usage)
				return 2
			}
		}
		err = listInvoices(ctx, c.invoices, int32(pageSize))
	case command == "get" && len(args) == 2:
		err = getInvoice(ctx, c.invoices, args[1])
	case command == "create" && len(args) <= 2:
		var id *string
		if len(args) == 2 {
			id = &args[1]
		}
		err = createInvoice(ctx, c.invoices, id)
	case command == "watch" && len(args) == 2:
		_, err = watchTask(ctx, c.tasks, args[1])
	case command == "flow" && len(args) == 1:
		err = contactInvoiceUploadFlow(ctx, c)
	default:
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	var flowErr *flowError
	if errors.As(err, &flowErr) {
		fmt.Printf("error: %s\n", flowErr)
		return 1
	}
	if err != nil {
		describeError(err, command == "create" || command == "flow")
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:]))
}
