// Command list is the Lambda function of GET /api/clientes.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/store"
)

func main() {
	log := api.FunctionLog()
	s, err := store.FromEnv()
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(api.Lambda(api.List.Handler(s, log), log))
}
