// Package pretraffictest stands in, on 127.0.0.1, for the two AWS APIs the
// pre-traffic hook calls: Lambda's Invoke, which it hands to aws-lambda-rie
// (or to a test's own answer), and CodeDeploy's
// PutLifecycleEventHookExecutionStatus, whose reports it keeps.
package pretraffictest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Report is one PutLifecycleEventHookExecutionStatus call.
type Report struct {
	DeploymentID, HookExecutionID, Status string
}

// CodeDeploy is the stand-in for CodeDeploy's JSON 1.1 API.
type CodeDeploy struct {
	*httptest.Server
	mu      sync.Mutex
	reports []Report
	// Fail, when set, makes every call answer a 500.
	Fail bool
}

// NewCodeDeploy serves until the test ends.
func NewCodeDeploy(t testing.TB) *CodeDeploy {
	cd := &CodeDeploy{}
	cd.Server = httptest.NewUnstartedServer(http.HandlerFunc(cd.serve))
	cd.Start()
	t.Cleanup(cd.Close)
	return cd
}

func (cd *CodeDeploy) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var in struct {
		DeploymentID    string `json:"deploymentId"`
		HookExecutionID string `json:"lifecycleEventHookExecutionId"`
		Status          string `json:"status"`
	}
	cd.mu.Lock()
	defer cd.mu.Unlock()
	switch {
	case cd.Fail:
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"__type":"InternalFailure","message":"stand-in told to fail"}`)
	case r.Header.Get("X-Amz-Target") != "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus":
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":"the stand-in serves PutLifecycleEventHookExecutionStatus, not %q"}`, r.Header.Get("X-Amz-Target"))
	case json.NewDecoder(r.Body).Decode(&in) != nil || in.DeploymentID == "" || in.HookExecutionID == "" ||
		(in.Status != "Succeeded" && in.Status != "Failed"):
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"ValidationException","message":"deploymentId, lifecycleEventHookExecutionId and a status of Succeeded or Failed are required"}`)
	default:
		cd.reports = append(cd.reports, Report{in.DeploymentID, in.HookExecutionID, in.Status})
		json.NewEncoder(w).Encode(map[string]string{"lifecycleEventHookExecutionId": in.HookExecutionID})
	}
}

// Reports are the calls so far.
func (cd *CodeDeploy) Reports() []Report {
	cd.mu.Lock()
	defer cd.mu.Unlock()
	return append([]Report(nil), cd.reports...)
}

// Answer is what a function answers an invocation: its payload and, for a
// crash, a timeout or a returned error, Lambda's X-Amz-Function-Error.
// refused, when not "", is the error type Lambda itself answers with
// instead (AccessDeniedException: the hook may not invoke it).
type Answer func(ctx context.Context, payload []byte) (body []byte, functionError, refused string)

// Lambda is the stand-in for Lambda's Invoke (REST JSON,
// /2015-03-31/functions/{name}/invocations).
type Lambda struct {
	*httptest.Server
	mu        sync.Mutex
	functions map[string]Answer
}

// NewLambda serves until the test ends; a name it was not given is
// ResourceNotFoundException, as on AWS.
func NewLambda(t testing.TB) *Lambda {
	l := &Lambda{functions: map[string]Answer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", l.invoke)
	l.Server = httptest.NewUnstartedServer(mux)
	l.Start()
	t.Cleanup(l.Close)
	return l
}

// Set makes name (a version's ARN) answer with a.
func (l *Lambda) Set(name string, a Answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.functions[name] = a
}

func (l *Lambda) invoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	l.mu.Lock()
	a, ok := l.functions[name]
	l.mu.Unlock()
	payload, _ := io.ReadAll(r.Body)
	refused := "ResourceNotFoundException"
	var body []byte
	var functionError string
	if ok {
		body, functionError, refused = a(r.Context(), payload)
	}
	if refused != "" {
		status := map[string]int{"AccessDeniedException": 403, "ResourceNotFoundException": 404, "TooManyRequestsException": 429}[refused]
		if status == 0 {
			status = 500
		}
		w.Header().Set("X-Amzn-ErrorType", refused)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"Type":"User","message":"%s for %s"}`, refused, name)
		return
	}
	if functionError != "" {
		w.Header().Set("X-Amz-Function-Error", functionError)
	}
	w.Header().Set("X-Amz-Executed-Version", name[strings.LastIndex(name, ":")+1:])
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// Emulated hands each invocation to aws-lambda-rie at invokeURL and answers
// what Lambda answers for its outcome: the payload; for a timeout or a
// process that exited, an Unhandled function error with Lambda's error
// types; for an error the handler returned, an Unhandled function error
// with that error.
func Emulated(invokeURL string) Answer {
	return func(ctx context.Context, payload []byte) ([]byte, string, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, invokeURL, bytes.NewReader(payload))
		if err != nil {
			return nil, "", "ServiceException"
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, "", "ServiceException"
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte("Task timed out")):
			return lambdaError("Sandbox.Timedout", string(body)), "Unhandled", ""
		case resp.StatusCode != http.StatusOK:
			// aws-lambda-rie answers 502 when the runtime exited or
			// reported an init error.
			return lambdaError("Runtime.ExitError", fmt.Sprintf("%d %s", resp.StatusCode, body)), "Unhandled", ""
		}
		var e struct {
			ErrorType string `json:"errorType"`
		}
		if json.Unmarshal(body, &e) == nil && e.ErrorType != "" {
			return body, "Unhandled", ""
		}
		return body, "", ""
	}
}

func lambdaError(typ, message string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": message})
	return b
}
