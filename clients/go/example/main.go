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

const usage = `usage: maesn-example list [PAGE_SIZE] | get INVOICE_ID | create [ID] | watch TASK_ID`

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

func createInvoice(ctx context.Context, invoices v1.InvoiceServiceClient, id *string) error {
	ctx, cancel := context.WithTimeout(ctx, unaryTimeout)
	defer cancel()
	str := func(s string) *string { return &s }
	num := func(f float64) *float64 { return &f }
	today := time.Now().UTC().Truncate(24 * time.Hour)
	// A write: if this fails with an unclear outcome, look the invoice up
	// before creating it again (see describeError). With a client-chosen id
	// that is one GetInvoice, and sending it again cannot duplicate it.
	resp, err := invoices.CreateInvoice(ctx, &v1.CreateInvoiceRequest{
		Invoice: &v1.NewInvoice{
			InvoiceId:   id,
			ContactId:   str("eaa28f49-6028-4b6e-bb12-d8f6278073fc"),
			Currency:    str("EUR"),
			InvoiceDate: &date.Date{Year: int32(today.Year()), Month: int32(today.Month()), Day: int32(today.Day())},
			LineItems: []*v1.NewInvoiceLineItem{{
				Name:              str("Consulting"),
				Description:       str("Workshop, 2.5 hours"),
				Quantity:          num(2.5),
				UnitAmount:        num(120),
				TaxRatePercentage: num(19),
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

func watchTask(ctx context.Context, tasks v1.TaskServiceClient, id string) error {
	ctx, cancel := context.WithTimeout(ctx, watchTimeout)
	defer cancel()
	stream, err := tasks.WatchTask(ctx, &v1.WatchTaskRequest{TaskId: id})
	if err != nil {
		return err
	}
	var last *v1.Task
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
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
	invoices := v1.NewInvoiceServiceClient(conn)
	tasks := v1.NewTaskServiceClient(conn)

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
		err = listInvoices(ctx, invoices, int32(pageSize))
	case command == "get" && len(args) == 2:
		err = getInvoice(ctx, invoices, args[1])
	case command == "create" && len(args) <= 2:
		var id *string
		if len(args) == 2 {
			id = &args[1]
		}
		err = createInvoice(ctx, invoices, id)
	case command == "watch" && len(args) == 2:
		err = watchTask(ctx, tasks, args[1])
	default:
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	if err != nil {
		describeError(err, command == "create")
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:]))
}
