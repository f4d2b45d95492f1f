// Command create is the Lambda function of POST /api/clientes.
package main

import (
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/store"
)

func main() {
	s, err := store.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(api.Lambda(api.Create.Handler(s)))
}
