package dynamotest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Faults sits in front of minidyn and makes chosen requests fail the way
// DynamoDB and networks fail: error responses, lost responses, slowness.
type Faults struct {
	mu    sync.Mutex
	rules []*rule
	seen  int
}

type rule struct {
	op    string // the operation it applies to; "" for any
	times int    // how many more requests it hits; < 0 for all
	apply func(w http.ResponseWriter, r *http.Request, next http.Handler)
}

// Error makes the next times requests for op (all of them when times < 0)
// answer a DynamoDB error: 400 for client-side codes such as
// ThrottlingException, 500 for InternalServerError.
func (f *Faults) Error(op, code string, times int) {
	status := http.StatusBadRequest
	if code == "InternalServerError" || code == "ServiceUnavailable" {
		status = http.StatusInternalServerError
	}
	f.Respond(op, status, fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"injected %s"}`, code, code), times)
}

// Respond makes the next times requests for op answer status and body, a
// DynamoDB JSON error of the caller's making (a transaction's cancellation
// reasons, say), without reaching DynamoDB.
func (f *Faults) Respond(op string, status int, body string, times int) {
	f.add(op, times, func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// LoseResponse lets the next times requests for op reach DynamoDB and take
// effect, then cuts the connection before the response: the client cannot
// tell whether the write happened, and retries.
func (f *Faults) LoseResponse(op string, times int) {
	f.add(op, times, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler)
	})
}

// Stall lets the next times requests for op reach DynamoDB and take effect,
// then holds the response for d or until the client hangs up: a client whose
// deadline ends meanwhile cannot tell whether the write happened.
func (f *Faults) Stall(op string, d time.Duration, times int) {
	f.add(op, times, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		select {
		case <-time.After(d):
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		case <-r.Context().Done():
		}
	})
}

// Delay holds the next times requests for op for d before serving them.
func (f *Faults) Delay(op string, d time.Duration, times int) {
	f.add(op, times, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		// The server notices a client hanging up only once the body is read.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(d):
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// Clear removes every fault and returns how many requests were hit.
func (f *Faults) Clear() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.seen
	f.rules, f.seen = nil, 0
	return n
}

func (f *Faults) add(op string, times int, apply func(http.ResponseWriter, *http.Request, http.Handler)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{op: op, times: times, apply: apply})
}

func (f *Faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := Operation(r)
		f.mu.Lock()
		var hit *rule
		for _, rl := range f.rules {
			if (rl.op == "" || rl.op == op) && rl.times != 0 {
				if rl.times > 0 {
					rl.times--
				}
				hit = rl
				f.seen++
				break
			}
		}
		f.mu.Unlock()
		if hit == nil {
			next.ServeHTTP(w, r)
			return
		}
		hit.apply(w, r, next)
	})
}
