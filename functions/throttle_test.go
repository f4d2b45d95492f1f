package functions_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/clientes-api/clientes/internal/gateway"
)

// TestLocalThrottleMatchesTemplate keeps `make run`'s per-route throttling
// equal to what the HTTP API deploys by default: its DefaultRouteSettings
// take the ThrottlingRateLimit and ThrottlingBurstLimit parameters, whose
// defaults are gateway.DefaultThrottle's numbers.
func TestLocalThrottleMatchesTemplate(t *testing.T) {
	tpl := readTemplate(t)
	var apis []string
	for name, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::HttpApi" {
			apis = append(apis, name)
		}
	}
	if len(apis) != 1 {
		t.Fatalf("template has HTTP APIs %v, want one", apis)
	}
	settings := get(tpl.Resources[apis[0]].Properties, "DefaultRouteSettings")
	if get(settings, "ThrottlingRateLimit") != "ThrottlingRateLimit" || get(settings, "ThrottlingBurstLimit") != "ThrottlingBurstLimit" {
		t.Fatalf("%s DefaultRouteSettings %v, want !Ref ThrottlingRateLimit and !Ref ThrottlingBurstLimit", apis[0], settings)
	}
	for _, p := range []struct {
		name string
		want float64
	}{
		{"ThrottlingRateLimit", gateway.DefaultThrottle.Rate},
		{"ThrottlingBurstLimit", float64(gateway.DefaultThrottle.Burst)},
	} {
		got, err := strconv.ParseFloat(fmt.Sprint(tpl.Parameters[p.name]["Default"]), 64)
		if err != nil || got != p.want {
			t.Errorf("parameter %s default %v, the local server's %v", p.name, tpl.Parameters[p.name]["Default"], p.want)
		}
		if min := fmt.Sprint(tpl.Parameters[p.name]["MinValue"]); min != "1" {
			t.Errorf("parameter %s MinValue %q, want 1 as THROTTLING_* are checked", p.name, min)
		}
	}
}
