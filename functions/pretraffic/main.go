// Command pretraffic is CodeDeploy's pre-traffic hook for every function of
// the stack (internal/pretraffic): it probes the new versions the template
// names in its environment and reports Succeeded or Failed.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/pretraffic"
)

func main() {
	// Lambda's log-level filter reads the same level and timestamp as in
	// the functions' lines.
	log := api.FunctionLog()
	h, err := pretraffic.FromEnv(log)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
