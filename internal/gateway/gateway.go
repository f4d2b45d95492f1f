// Package gateway does on a developer's machine what an API Gateway HTTP API
// does in front of the functions: it matches a route, answers CORS, sheds
// what is over the route's throttle, turns the request into a payload 2.0
// event, invokes that route's Lambda handler and writes its response back. Running the deployed handlers behind it means
// what works locally works deployed.
package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/token"
)

// MaxPayload is the largest request body a Lambda function can be handed
// synchronously; API Gateway refuses larger ones before any function runs.
const MaxPayload = 6 << 20

// Function is one route and the Lambda handler deployed for it.
type Function struct {
	Route   api.Route
	Handler api.LambdaHandler
}

// Gateway routes HTTP requests to Functions.
type Gateway struct {
	Functions []Function
	CORS      CORS
	// Auth, when set, guards every route as the template's JWT authorizer
	// does when AuthIssuer is set; nil leaves the API public.
	Auth Authorizer
	// Timeout is each invocation's deadline, as the function's Timeout is on AWS.
	Timeout time.Duration
	// Throttle sheds load per route, as the stage's DefaultRouteSettings do.
	Throttle Throttle
	Log      *slog.Logger

	buckets buckets
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := token.Hex(16)
	w.Header().Set("Apigw-Requestid", requestID)
	if g.CORS.preflight(w, r) {
		g.logAnswer(r, requestID, http.StatusNoContent, "CORS preflight")
		return
	}
	g.CORS.decorate(w, r)
	for _, fn := range g.Functions {
		params, ok := fn.Route.Match(r.Method, r.URL.Path)
		if !ok {
			continue
		}
		g.invoke(w, r, fn, params, requestID)
		return
	}
	api.NotFound(w)
	g.logAnswer(r, requestID, http.StatusNotFound, "no route")
}

// logAnswer writes the request's log line when the gateway answers it itself
// and no function runs to log it: one line per request, either way.
func (g *Gateway) logAnswer(r *http.Request, requestID string, status int, why string) {
	g.Log.Info("request", "request_id", requestID, "method", r.Method, "path", r.URL.Path,
		"status", status, "answered_by", "gateway: "+why)
}

func (g *Gateway) invoke(w http.ResponseWriter, r *http.Request, fn Function, params map[string]string, requestID string) {
	if !g.admit(w, r, fn.Route.Key(), requestID) {
		return
	}
	var authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if g.Auth != nil {
		var err error
		if authz, err = g.Auth.Authorize(r, fn.Route); err != nil {
			var d *Denied
			if !errors.As(err, &d) {
				d = &Denied{Status: http.StatusUnauthorized, Challenge: "Bearer", Reason: err.Error()}
			}
			withSub(g.Log, d.Sub).Info("request refused", "route", fn.Route.Key(), "request_id", requestID, "status", d.Status, "reason", d.Reason)
			d.write(w)
			return
		}
	}
	if r.ContentLength > MaxPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		g.logAnswer(r, requestID, http.StatusRequestEntityTooLarge, "payload over the Lambda limit")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return // the client went away
	}
	if len(body) > MaxPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		g.logAnswer(r, requestID, http.StatusRequestEntityTooLarge, "payload over the Lambda limit")
		return
	}
	ev := Event(r, fn.Route, params, body, requestID)
	ev.RequestContext.Authorizer = authz
	// API Gateway lets a function run to its end when the client hangs up;
	// so does this, rather than cancel a write half done. Only the
	// function's own timeout ends it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), g.Timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       token.Hex(16),
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:clientes-local",
	})
	resp, err := call(ctx, fn.Handler, ev)
	if err != nil {
		// A function error or panic: API Gateway hides it behind this answer.
		withSub(g.Log, sub(authz)).Error("function error", "route", fn.Route.Key(), "request_id", requestID, "error", err)
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeResponse(w, resp, len(g.CORS.AllowOrigins) > 0)
}

// sub is the caller named by a verified token, or "" for a public API.
func sub(a *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) string {
	if a == nil || a.JWT == nil {
		return ""
	}
	return a.JWT.Claims["sub"]
}

// withSub names the caller in l's lines, when there is one.
func withSub(l *slog.Logger, sub string) *slog.Logger {
	if sub == "" {
		return l
	}
	return l.With("sub", sub)
}

// call invokes h the way the Lambda runtime does, which turns a panic into an
// error of the invocation and keeps serving.
func call(ctx context.Context, h api.LambdaHandler, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, ev)
}

// Event builds the payload 2.0 event API Gateway sends for r: header names in
// lower case and repeated headers joined by commas, cookies apart, rawPath
// percent-decoded, and the body base64-encoded unless its type is text.
func Event(r *http.Request, rt api.Route, params map[string]string, body []byte, requestID string) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		name = strings.ToLower(name)
		if name == "cookie" {
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					cookies = append(cookies, strings.TrimSpace(c))
				}
			}
			continue
		}
		headers[name] = strings.Join(values, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, v := range q {
			query[k] = strings.Join(v, ",")
		}
	}
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.Key(),
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.Key(),
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    requestID,
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP(r),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(headers["content-type"]) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText tells the content types whose bodies an HTTP API passes as text.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || slices.Contains(
		[]string{"application/json", "application/xml", "application/javascript"}, mt)
}

// writeResponse writes a function's response. With CORS configured, API
// Gateway drops the CORS headers a function sets and uses its own.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse, corsConfigured bool) {
	h := w.Header()
	for k, v := range resp.Headers {
		if corsConfigured && isCORSHeader(k) {
			continue
		}
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

func writeMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, message)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
