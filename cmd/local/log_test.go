package main

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestMinidynLogIsJSON: what net/http says about minidyn's server, such as
// the "superfluous response.WriteHeader" minidyn causes when a write of its
// answer fails and it then writes an error status, reaches the log as a JSON
// line at debug level, and nothing at all at the default level. The handler
// here writes its status twice, as minidyn does then: provoking a failed
// write in minidyn itself would need a dropped connection at just the right
// moment.
func TestMinidynLogIsJSON(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		lines int
	}{
		{slog.LevelDebug, 1},
		{slog.LevelInfo, 0},
	} {
		var out syncBuffer
		srv := minidynServer(slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: tc.level})))
		srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			w.WriteHeader(http.StatusBadRequest)
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		resp, err := http.Post("http://"+ln.Addr().String(), "application/x-amz-json-1.0", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()

		text := strings.TrimSpace(out.String())
		var lines []string
		if text != "" {
			lines = strings.Split(text, "\n")
		}
		if len(lines) != tc.lines {
			t.Errorf("level %v: log %q, want %d lines", tc.level, text, tc.lines)
			continue
		}
		for _, l := range lines {
			var fields map[string]any
			if err := json.Unmarshal([]byte(l), &fields); err != nil {
				t.Errorf("level %v: log line %q is not JSON: %v", tc.level, l, err)
				continue
			}
			msg, _ := fields["msg"].(string)
			if fields["level"] != "DEBUG" || fields["component"] != "minidyn" || !strings.Contains(msg, "superfluous response.WriteHeader") {
				t.Errorf("level %v: log line %s, want net/http's complaint at DEBUG from component minidyn", tc.level, l)
			}
		}
	}
}
