// Package apitest holds the checks that the tests of several packages make
// of what the API answers.
package apitest

import "regexp"

// leaks are what no response may show a stranger: AWS error names and
// messages, ARNs, the SDK's wording, table names, Go stack traces.
var leaks = regexp.MustCompile(`(?i)arn:aws|[a-z]+exception|dynamodb|smithy|operation error|` +
	`internalservererror|internalfailure|x-amz|requestid:|goroutine \d+|\.go:\d+|panic|runtime\.|` +
	`stack|clientes-[0-9a-f]{12}|contador|ultimo_id|token_alta`)

// Leak returns the first thing in an error body that must not be there, or
// "" when it is clean. Only error bodies are checked: a cliente's own data
// may hold any text.
func Leak(status int, body string) string {
	if status < 400 {
		return ""
	}
	return leaks.FindString(body)
}
