package api

import (
	"context"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// Caller is the subject (`sub`) of the JWT that API Gateway's authorizer
// accepted for the request in ctx, or "" when the API is public. The
// functions never check tokens themselves: with access control on, API
// Gateway has already done so and hands over the verified claims.
func Caller(ctx context.Context) string {
	gw, ok := core.GetAPIGatewayV2ContextFromContext(ctx)
	if !ok || gw.Authorizer == nil || gw.Authorizer.JWT == nil {
		return ""
	}
	return gw.Authorizer.JWT.Claims["sub"]
}
