package jwtauth

import (
	"encoding/json"
	"fmt"
	"strings"
)

// flatten turns a token's claims into the map of strings API Gateway puts in
// requestContext.authorizer.jwt.claims: strings as they are, numbers as
// written in the token, and lists as "[a b c]" (API Gateway's form, as
// functions behind it see it). Objects, which the tokens this API expects do
// not carry, become their JSON text.
func flatten(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = claimString(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		b, _ := json.Marshal(v)
		return string(b)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}
