// Command hello is the benchmarks' first baseline: the smallest Go Lambda
// function behind an HTTP API, answering a fixed response. It is built by the
// functions' own recipe (`make bootstrap`).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"message":"hello"}`,
	}, nil
}

func main() {
	lambda.Start(handle)
}
