package gateway

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientes-api/clientes/internal/api"
)

// Authorizer stands in for an HTTP API's JWT authorizer: it checks the
// request's token for the route and returns what API Gateway hands the
// function in requestContext.authorizer, or a *Denied. It runs after the
// route matched and before the function is invoked, as on AWS. The JWT code
// lives in a sub-package (jwtauth), used only by cmd/local, so no function
// binary links it.
type Authorizer interface {
	Authorize(r *http.Request, rt api.Route) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error)
}

// Denied is an authorizer's refusal: 401 {"message":"Unauthorized"} or 403
// {"message":"Forbidden"}, with a WWW-Authenticate challenge, as API Gateway
// answers it.
type Denied struct {
	Status    int    // 401 or 403
	Challenge string // the WWW-Authenticate value
	Reason    string // for the log: what failed; never the token
	Sub       string // the caller, when the token itself was valid (403)
}

func (d *Denied) Error() string { return fmt.Sprintf("%d: %s", d.Status, d.Reason) }

func (d *Denied) write(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", d.Challenge)
	if d.Status == http.StatusForbidden {
		writeMessage(w, http.StatusForbidden, "Forbidden")
		return
	}
	writeMessage(w, http.StatusUnauthorized, "Unauthorized")
}
