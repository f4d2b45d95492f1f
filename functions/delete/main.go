// Command delete is the Lambda function of DELETE /api/clientes/{id}.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/store"
)

func main() {
	// Each line names the version that wrote it: the failure alarms watch
	// the version being deployed, so a canary rolls back on its own 500s.
	api.Log = api.Log.With("version", lambdacontext.FunctionVersion)
	s, err := store.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(api.Lambda(api.Delete.Handler(s)))
}
