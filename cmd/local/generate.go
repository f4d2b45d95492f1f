package main

// clientes_gen_test.go is the Go client oapi-codegen makes of openapi.yaml;
// the tests drive the server through it (client_test.go).
//go:generate go tool oapi-codegen -config ../../oapi-codegen.yaml -package main -o clientes_gen_test.go ../../openapi.yaml
