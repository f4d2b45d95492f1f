// Command backfill is the stack's custom resource that brings stored
// clientes up to date before the functions are updated (internal/backfill).
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/backfill"
	"github.com/clientes-api/clientes/internal/store"
)

func main() {
	log := api.FunctionLog()
	// cfn.LambdaWrap reports through the standard log: as JSON lines too.
	slog.SetDefault(log)
	s, err := store.FromEnv()
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(cfn.LambdaWrap(backfill.Handler(s, log)))
}
