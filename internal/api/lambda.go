package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// DeadlineMargin is how long before the Lambda deadline a request's context
// ends, so that a slow DynamoDB call still leaves time to answer in JSON
// rather than be cut off by a timeout.
const DeadlineMargin = 250 * time.Millisecond

// LambdaHandler is the signature of a function behind an HTTP API with
// payload format 2.0.
type LambdaHandler = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Lambda turns h into a Lambda handler through aws-lambda-go-api-proxy; log
// gets the line about an event no request can be made of.
func Lambda(h http.Handler, log *slog.Logger) LambdaHandler {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		// An HTTP API hands over rawPath already percent-decoded, so an id
		// such as "%" or " " would make the adapter's URL parsing fail.
		// Escaping it again lets the handler see exactly the decoded path.
		ev.RawPath = (&url.URL{Path: ev.RawPath}).EscapedPath()
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-DeadlineMargin))
			defer cancel()
		}
		resp, err := adapter.ProxyWithContext(context.WithValue(ctx, eventHeaders{}, ev.Headers), ev)
		if err != nil {
			// Only an event no HTTP request can be made of gets here (a body
			// that is not base64, a control character in the query).
			log.WarnContext(ctx, "unreadable event", "error", err, "request_id", ev.RequestContext.RequestID)
			w := core.NewProxyResponseWriterV2()
			writeError(w, http.StatusBadRequest, "Solicitud inválida")
			return w.GetProxyResponse()
		}
		return resp, nil
	}
}

// FunctionLog is the log of a deployed function: JSON lines on standard
// output, each naming the function version that wrote it, since the failure
// alarms watch the version being deployed, so a canary rolls back on its own
// 500s. Each line's time is "timestamp" in RFC 3339, as Lambda's log-level
// filter reads it: a line without a valid one counts as INFO, so raising
// ApplicationLogLevel would drop the ERROR lines the alarms count.
func FunctionLog() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdaTime})).
		With("version", lambdacontext.FunctionVersion)
}

// lambdaTime renames slog's "time" to "timestamp", in UTC with milliseconds.
func lambdaTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
		return slog.String("timestamp", a.Value.Time().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	}
	return a
}

// requestLog returns log with the ids of the request in ctx: API Gateway's,
// which the client sees, and Lambda's, which the platform logs carry; and the
// caller's sub when a token was accepted (never the token itself).
func requestLog(log *slog.Logger, ctx context.Context) *slog.Logger {
	l := log
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok && gw.RequestID != "" {
		l = l.With("request_id", gw.RequestID)
	}
	if sub := Caller(ctx); sub != "" {
		l = l.With("sub", sub)
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		l = l.With("aws_request_id", lc.AwsRequestID)
	}
	return l
}

// millisSince is the time since t in milliseconds, for the logs.
func millisSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}
