package main

import (
	"strings"
	"testing"
)

// TestQuickSummary: the smoke run make test makes says it is one and prints
// no figure or verdict a reader could take for a failure; its errors still
// show.
func TestQuickSummary(t *testing.T) {
	r := &results{config: config{quick: true}, cold: map[string]*coldResult{}, warm: map[string]*warmResult{}, page: &warmResult{}}
	for _, tg := range targets {
		r.cold[tg.name], r.warm[tg.name] = &coldResult{}, &warmResult{}
	}
	got := r.summary()
	if !strings.Contains(got, "smoke run") {
		t.Errorf("summary = %q, want it to say it is a smoke run", got)
	}
	for _, verdict := range []string{"missed", "met", "favoured", "MB"} {
		if strings.Contains(got, verdict) {
			t.Errorf("summary = %q, holds %q", got, verdict)
		}
	}
	r.page.errors, r.page.sample = 1, "timeout"
	if got := r.summary(); !strings.Contains(got, "error: list, page of 50: 1 failed") {
		t.Errorf("summary with a failed invocation = %q, want the error", got)
	}
}
