package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/lambdatest"
	"github.com/clientes-api/clientes/internal/store"
)

// TestBackfillCustomResource runs the backfill's bootstrap under
// aws-lambda-rie as CloudFormation invokes a custom resource: it answers on
// the event's response URL, SUCCESS after giving a 1.0.0 cliente its tag on
// Create and Update, and SUCCESS without touching the table on Delete and on
// the Update of a rollback. Its log lines are Lambda's JSON.
func TestBackfillCustomResource(t *testing.T) {
	rie, bootstrap := built(t, "backfill")
	answers := make(chan cfn.Response, 1)
	cfnEndpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var resp cfn.Response
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &resp); err != nil || r.Method != http.MethodPut {
			t.Errorf("%s %s", r.Method, body)
		}
		answers <- resp
	}))
	defer cfnEndpoint.Close()

	b := dynamotest.Dynalite(t)
	db := b.Client(t)
	table := b.Table(t, db)
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "cliente"}, "id": &types.AttributeValueMemberS{Value: "0000000000000001"},
	}
	item := map[string]types.AttributeValue{"pk": key["pk"], "id": key["id"],
		"nombres": &types.AttributeValueMemberS{Value: "Ana"}, "apellidos": &types.AttributeValueMemberS{Value: "Gómez"},
		"created_at": &types.AttributeValueMemberS{Value: "2024-03-05T15:30:00.000Z"},
		"updated_at": &types.AttributeValueMemberS{Value: "2024-03-05T15:30:00.000Z"},
		"token_alta": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
	}
	ctx := context.Background()
	tag := func() string {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := out.Item["etag"].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	emu, err := lambdatest.Start(rie, bootstrap, []string{
		"TABLE_NAME=" + table, "DYNAMODB_ENDPOINT=" + b.Endpoint, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_LAMBDA_FUNCTION_TIMEOUT=60",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	// Release is a version ARN of the backfill function; an Update that
	// puts back an older one is CloudFormation rolling the stack back.
	release := func(v string) map[string]any {
		return map[string]any{"Release": "arn:aws:lambda:us-east-1:123456789012:function:clientes-BackfillFunction:" + v}
	}
	for _, tc := range []struct {
		request      cfn.RequestType
		release, old string
		retagged     bool
	}{
		{cfn.RequestCreate, "1", "", true},
		{cfn.RequestUpdate, "3", "2", true},
		{cfn.RequestUpdate, "2", "3", false}, // the rollback of a failed update
		{cfn.RequestDelete, "3", "", false},
	} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
		ev, _ := json.Marshal(cfn.Event{
			RequestType: tc.request, RequestID: "r-" + string(tc.request), ResponseURL: cfnEndpoint.URL + "/answer",
			StackID: "arn:aws:cloudformation:us-east-1:123456789012:stack/clientes/x", LogicalResourceID: "Backfill",
			PhysicalResourceID: "clientes-backfill", ResourceType: "Custom::Backfill",
			ResourceProperties: release(tc.release), OldResourceProperties: release(tc.old),
		})
		ictx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_, err := emu.Invoke(ictx, ev)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.request, err, emu.Log())
		}
		select {
		case resp := <-answers:
			if resp.Status != cfn.StatusSuccess || resp.PhysicalResourceID != "clientes-backfill" {
				t.Errorf("%s: answered %+v", tc.request, resp)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no answer to CloudFormation\n%s", tc.request, emu.Log())
		}
		if checkLogLines(t, emu.Log()) == 0 {
			t.Errorf("no JSON log line:\n%s", emu.Log())
		}
		if got := store.IsETag(tag()); got != tc.retagged {
			t.Errorf("%s %s (was %s): tagged = %v, want %v", tc.request, tc.release, tc.old, got, tc.retagged)
		}
	}
}
