package gateway

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// Throttle is an HTTP API stage's DefaultRouteSettings throttling: each route
// has a token bucket that holds Burst requests and refills at Rate requests
// a second, and a request that finds it empty is answered 429 before any
// function runs. A zero Throttle lets every request through.
type Throttle struct {
	Rate  float64 // ThrottlingRateLimit: steady requests per second, per route
	Burst int     // ThrottlingBurstLimit: requests a route takes at once
}

// DefaultThrottle is what the template deploys unless its ThrottlingRateLimit
// and ThrottlingBurstLimit parameters say otherwise. A test keeps the two
// equal.
var DefaultThrottle = Throttle{Rate: 50, Burst: 100}

// TooManyRequests is API Gateway's body for a throttled request.
const TooManyRequests = "Too Many Requests"

// on reports whether t limits anything.
func (t Throttle) on() bool { return t.Rate > 0 && t.Burst > 0 }

// bucket is one route's tokens. It starts full, as a stage does when deployed.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take spends one token if there is one at now, refilling first.
func (b *bucket) take(t Throttle, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.tokens = float64(t.Burst)
	} else if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(t.Burst), b.tokens+elapsed*t.Rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// buckets holds a bucket per route key, made on first use.
type buckets struct {
	mu  sync.Mutex
	all map[string]*bucket
}

func (bs *buckets) get(route string) *bucket {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.all == nil {
		bs.all = map[string]*bucket{}
	}
	b := bs.all[route]
	if b == nil {
		b = &bucket{}
		bs.all[route] = b
	}
	return b
}

// admit tells whether a request on route may go on, and otherwise answers
// it as API Gateway does.
func (g *Gateway) admit(w http.ResponseWriter, r *http.Request, route, requestID string) bool {
	if !g.Throttle.on() || g.buckets.get(route).take(g.Throttle, time.Now()) {
		return true
	}
	writeMessage(w, http.StatusTooManyRequests, TooManyRequests)
	g.logAnswer(r, requestID, http.StatusTooManyRequests, "throttled")
	return false
}
