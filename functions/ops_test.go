package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/dynamotest"
	"github.com/clientes-api/clientes/internal/lambdatest"
)

// published lists the dimension sets AWS publishes each metric the alarms
// and the dashboard read with (names sorted, space-separated). Sources: the
// Lambda guide's "Types of metrics for Lambda functions" (FunctionName;
// FunctionName and Resource, a version or alias; those and ExecutedVersion
// for invocations through an alias; ClaimedAccountConcurrency for the account
// alone, with none), API Gateway's "Monitor CloudWatch
// metrics for HTTP APIs" (ApiId; ApiId and Stage; per route only with
// detailed metrics on) and DynamoDB's "Metrics and dimensions" (TableName,
// with Operation for the per-request metrics).
var published = map[string][]string{
	"AWS/Lambda Errors":                       lambdaDimensions,
	"AWS/Lambda Duration":                     lambdaDimensions,
	"AWS/Lambda Throttles":                    lambdaDimensions,
	"AWS/Lambda Invocations":                  lambdaDimensions,
	"AWS/Lambda ConcurrentExecutions":         lambdaDimensions,
	"AWS/Lambda ClaimedAccountConcurrency":    {""},
	"AWS/ApiGateway 5xx":                      httpAPIDimensions,
	"AWS/ApiGateway 4xx":                      httpAPIDimensions,
	"AWS/ApiGateway Count":                    httpAPIDimensions,
	"AWS/ApiGateway Latency":                  httpAPIDimensions,
	"AWS/ApiGateway IntegrationLatency":       httpAPIDimensions,
	"AWS/DynamoDB ReadThrottleEvents":         {"TableName", "GlobalSecondaryIndexName TableName"},
	"AWS/DynamoDB WriteThrottleEvents":        {"TableName", "GlobalSecondaryIndexName TableName"},
	"AWS/DynamoDB ConsumedReadCapacityUnits":  {"TableName", "GlobalSecondaryIndexName TableName"},
	"AWS/DynamoDB ConsumedWriteCapacityUnits": {"TableName", "GlobalSecondaryIndexName TableName"},
	"AWS/DynamoDB SystemErrors":               {"Operation TableName"},
	"AWS/DynamoDB ThrottledRequests":          {"Operation TableName"},
	"AWS/DynamoDB SuccessfulRequestLatency":   {"Operation TableName"},
}

var (
	lambdaDimensions  = []string{"FunctionName", "FunctionName Resource", "ExecutedVersion FunctionName Resource"}
	httpAPIDimensions = []string{"ApiId", "ApiId Stage", "ApiId Method Resource Stage"}
)

// failurePattern is the metric filter every function's log group carries:
// the lines internal/api writes for a route's 500 (errors.go) and for a
// recovered panic (routes.go).
const failurePattern = `{ $.level = "ERROR" && ($.msg = "failure" || $.msg = "panic") }`

// throttledPattern counts the access log's 429s, the answers of a route's
// throttling (HTTP APIs publish no metric of them).
const throttledPattern = `{ $.status = "429" }`

type cfnResource struct {
	Type         string         `json:"Type"`
	Condition    string         `json:"Condition"`
	Properties   map[string]any `json:"Properties"`
	UpdatePolicy map[string]any `json:"UpdatePolicy"`
}

// translated is template.yaml as SAM's translator hands it to
// CloudFormation, with the parameters' defaults: the aliases, versions,
// permissions and deployment groups exist only there.
func translated(t *testing.T) map[string]cfnResource {
	t.Helper()
	raw, err := json.Marshal(translate(t)["Resources"])
	if err != nil {
		t.Fatal(err)
	}
	var resources map[string]cfnResource
	if err := json.Unmarshal(raw, &resources); err != nil {
		t.Fatal(err)
	}
	return resources
}

func ref(v any) string { return toString(get(v, "Ref")) }

// getAtt returns the resource and attribute of {"Fn::GetAtt": [r, a]}.
func getAtt(v any) (string, string) {
	return toString(get(v, "Fn::GetAtt", 0)), toString(get(v, "Fn::GetAtt", 1))
}

func ofType(res map[string]cfnResource, typ string) []string {
	var names []string
	for name, r := range res {
		if r.Type == typ {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// watched is what one alarm watches: a metric on a target, where a target is
// "function X", "version X" (the version of X this template deploys, through
// its alias), "api X", "table X" or "operation Op".
type watched struct{ metric, target string }

// TestAlarms checks every alarm of the deployed template: it names a metric
// with dimensions the watched resource really publishes, each dimension is
// the resource it claims, it pages through the topic, and together the
// alarms cover every route, function and the table. It lists them all.
func TestAlarms(t *testing.T) {
	res := translated(t)
	routeOf := map[string]string{} // function → route
	for _, rt := range api.Routes {
		routeOf[deployed[rt.Key()].Function] = rt.Key()
	}

	versionOf, aliasOf := map[string]string{}, map[string]string{} // function → resource
	for _, v := range ofType(res, "AWS::Lambda::Version") {
		versionOf[ref(res[v].Properties["FunctionName"])] = v
	}
	for _, a := range ofType(res, "AWS::Lambda::Alias") {
		fn := ref(res[a].Properties["FunctionName"])
		aliasOf[fn] = a
		if v, _ := getAtt(res[a].Properties["FunctionVersion"]); v != versionOf[fn] {
			t.Errorf("alias %s points at %s, not the version %s the template publishes", a, v, versionOf[fn])
		}
	}
	operations := storeOperations(t)

	// Metrics the stack publishes itself, from its log metric filters: each
	// function's 500s by route and version (the canary's) and by route
	// alone (the everyday alarms'), and the API's 429s from its access log.
	namespace := "ClientesApi/${AWS::StackName}"
	accessLog, _ := getAtt(get(res["HttpApiApiGatewayDefaultStage"].Properties, "AccessLogSettings", "DestinationArn"))
	filters := map[string][]string{} // function → the dimension sets its failures filters publish
	for _, f := range ofType(res, "AWS::Logs::MetricFilter") {
		p := res[f].Properties
		group := ref(p["LogGroupName"])
		m := get(p, "MetricTransformations", 0)
		if group == accessLog && p["FilterPattern"] == throttledPattern && get(m, "MetricName") == "ThrottledRequests" &&
			get(m, "MetricNamespace", "Fn::Sub") == namespace && get(m, "MetricValue") == "1" && get(m, "Dimensions") == nil {
			published[namespace+" ThrottledRequests"] = []string{""}
			continue
		}
		fn := ""
		for _, x := range ofType(res, "AWS::Lambda::Function") {
			if ref(get(res[x].Properties, "LoggingConfig", "LogGroup")) == group {
				fn = x
			}
		}
		var keys []string
		for _, d := range asList(get(m, "Dimensions")) {
			keys = append(keys, toString(get(d, "Key")))
			if want := "$." + strings.ToLower(toString(get(d, "Key"))); get(d, "Value") != want {
				t.Errorf("%s: dimension %v, want the log field %s", f, d, want)
			}
		}
		slices.Sort(keys)
		if fn == "" || p["FilterPattern"] != failurePattern || get(m, "MetricNamespace", "Fn::Sub") != namespace ||
			get(m, "MetricName") != "Failures" || get(m, "MetricValue") != "1" {
			t.Errorf("%s: %v is neither the failures filter of a function's log group nor the access log's 429s", f, p)
			continue
		}
		filters[fn] = append(filters[fn], strings.Join(keys, " "))
		if !slices.Contains(published[namespace+" Failures"], strings.Join(keys, " ")) {
			published[namespace+" Failures"] = append(published[namespace+" Failures"], strings.Join(keys, " "))
		}
	}
	if access := toString(get(res["HttpApiApiGatewayDefaultStage"].Properties, "AccessLogSettings", "Format")); !strings.Contains(access, `"status":"$context.status"`) {
		t.Errorf("the access log %s does not record the status the 429 filter reads", access)
	}

	topic := ofType(res, "AWS::SNS::Topic")
	covered := map[watched][]string{}
	alarms := ofType(res, "AWS::CloudWatch::Alarm")
	for _, name := range alarms {
		p := res[name].Properties
		// A rollback alarm (on the version deployed) is new with each
		// deploy: it mails when it fires, not when it first turns OK.
		rollback := strings.Contains(fmt.Sprint(p["Dimensions"]), "Version") // ExecutedVersion, or the Failures metric's Version
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			a, _ := p[actions].([]any)
			if actions == "OKActions" && rollback {
				if p[actions] != nil {
					t.Errorf("%s: a rollback alarm with OKActions %v mails on every deploy", name, p[actions])
				}
				continue
			}
			if len(topic) != 1 || len(a) != 1 || ref(a[0]) != topic[0] {
				t.Errorf("%s: %s %v, want the alarm topic alone", name, actions, p[actions])
			}
		}
		if p["TreatMissingData"] != "notBreaching" || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || toFloat(p["Threshold"]) <= 0 {
			t.Errorf("%s: missing data %v, comparison %v, threshold %v", name, p["TreatMissingData"], p["ComparisonOperator"], p["Threshold"])
		}
		var metrics []map[string]any
		if p["MetricName"] != nil {
			metrics = append(metrics, p)
		}
		for _, m := range asList(p["Metrics"]) {
			if ms := get(m, "MetricStat", "Metric"); ms != nil {
				metrics = append(metrics, ms.(map[string]any))
			}
		}
		if len(metrics) == 0 {
			t.Errorf("%s: watches no metric", name)
		}
		var desc []string
		for _, m := range metrics {
			ns := toString(m["Namespace"])
			if ns == "" {
				ns = toString(get(m, "Namespace", "Fn::Sub"))
			}
			metric := ns + " " + toString(m["MetricName"])
			dims := map[string]any{}
			for _, d := range asList(m["Dimensions"]) {
				dims[toString(get(d, "Name"))] = get(d, "Value")
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range dims {
					if !yield(k) {
						return
					}
				}
			})
			if !slices.Contains(published[metric], strings.Join(keys, " ")) {
				t.Errorf("%s: %s is not published with dimensions %v (only %q)", name, metric, keys, published[metric])
				continue
			}
			target, err := resolve(res, metric, dims, versionOf, aliasOf, routeOf, operations)
			if err != nil {
				t.Errorf("%s: %s: %v", name, metric, err)
				continue
			}
			covered[watched{metric, target}] = append(covered[watched{metric, target}], name)
			desc = append(desc, metric+" on "+target)
		}
		t.Logf("%-28s %s %v %v: %s", name, statOf(p), p["Threshold"], periodOf(p), strings.Join(desc, ", "))
	}

	// Coverage: each function, each route's failures, the API, the table.
	want := func(metric, target string) []string {
		t.Helper()
		names := covered[watched{metric, target}]
		if len(names) == 0 {
			t.Errorf("no alarm watches %s on %s", metric, target)
		}
		return names
	}
	for _, rt := range api.Routes {
		fn := deployed[rt.Key()].Function
		if slices.Sort(filters[fn]); versionOf[fn] == "" || aliasOf[fn] == "" || !slices.Equal(filters[fn], []string{"Route", "Route Version"}) {
			t.Errorf("%s: version %q, alias %q, failures filters by %q", fn, versionOf[fn], aliasOf[fn], filters[fn])
			continue
		}
		var rollback []string
		rollback = append(rollback, want("AWS/Lambda Errors", "version "+fn)...)
		rollback = append(rollback, want("AWS/Lambda Duration", "version "+fn)...)
		rollback = append(rollback, want(namespace+" Failures", "version "+fn)...)
		want("AWS/Lambda Throttles", "function "+fn)
		// Everyday alarms: whichever version the alias points at.
		want("AWS/Lambda Errors", "live "+fn)
		want(namespace+" Failures", "live "+fn)
		timeout := toFloat(res[fn].Properties["Timeout"])
		for _, a := range covered[watched{"AWS/Lambda Duration", "version " + fn}] {
			if got := toFloat(res[a].Properties["Threshold"]); got != timeout*1000*0.8 {
				t.Errorf("%s: threshold %v ms, want 80%% of the %v s timeout", a, got, timeout)
			}
		}
		// The canary rolls back on exactly the alarms on its own version.
		group := ref(get(res[aliasOf[fn]].UpdatePolicy, "CodeDeployLambdaAliasUpdate", "DeploymentGroupName"))
		var names []string
		for _, a := range asList(get(res[group].Properties, "AlarmConfiguration", "Alarms")) {
			names = append(names, ref(get(a, "Name")))
		}
		// A new version renames, so replaces, each: an alarm left in ALARM
		// by the version being replaced cannot stop the deploy. The stack's
		// name leads each, the prefix CodeDeployRole may read.
		for _, a := range rollback {
			name := get(res[a].Properties, "AlarmName", "Fn::Sub")
			if v, _ := getAtt(get(name, 1, "Version")); !strings.HasPrefix(toString(get(name, 0)), "${AWS::StackName}-") ||
				!strings.Contains(toString(get(name, 0)), "${Version}") || v != versionOf[fn] {
				t.Errorf("%s: name %v does not start with the stack's name and carry the deployed version", a, name)
			}
		}
		slices.Sort(names)
		slices.Sort(rollback)
		if !slices.Equal(names, rollback) || get(res[group].Properties, "AlarmConfiguration", "Enabled") != true {
			t.Errorf("%s: deployment group %s rolls back on %v, want %v", fn, group, names, rollback)
		}
	}
	for _, a := range ofType(res, "AWS::ApiGatewayV2::Api") {
		want("AWS/ApiGateway 5xx", "api "+a)
		want("AWS/ApiGateway Latency", "api "+a)
	}
	for _, tb := range ofType(res, "AWS::DynamoDB::Table") {
		want("AWS/DynamoDB ReadThrottleEvents", "table "+tb)
		want("AWS/DynamoDB WriteThrottleEvents", "table "+tb)
	}
	for op := range operations {
		want("AWS/DynamoDB SystemErrors", "operation "+op)
	}
	want(namespace+" ThrottledRequests", "access log")
	// The headroom: the claimed concurrency as a share of the quota the
	// parameter holds.
	quota := readTemplate(t).Parameters["AccountConcurrencyQuota"]
	for _, a := range want("AWS/Lambda ClaimedAccountConcurrency", "account") {
		m := asList(res[a].Properties["Metrics"])
		if expr := toString(get(m[len(m)-1], "Expression", "Fn::Sub")); expr != "100 * claimed / ${AccountConcurrencyQuota}" ||
			quota["Type"] != "Number" || quota["Default"] != 1000 {
			t.Errorf("%s: %q against the parameter %v, want the percent of AccountConcurrencyQuota (default 1000) claimed", a, expr, quota)
		}
	}

	// Every alarm's threshold is explained in docs/alarms.md, by its name
	// (a function's as ${Fn}, as template.yaml writes it).
	doc, err := os.ReadFile("../docs/alarms.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range alarms {
		for _, rt := range api.Routes {
			name = strings.Replace(name, strings.TrimSuffix(deployed[rt.Key()].Function, "Function"), "${Fn}", 1)
		}
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/alarms.md does not explain %s", name)
		}
	}
}

// resolve checks each dimension names the resource it should and returns
// what the metric is about.
func resolve(res map[string]cfnResource, metric string, dims map[string]any, versionOf, aliasOf, routeOf map[string]string, operations map[string]bool) (string, error) {
	fn := ref(dims["FunctionName"])
	switch {
	case len(dims) == 0 && metric == "AWS/Lambda ClaimedAccountConcurrency":
		return "account", nil
	case len(dims) == 0 && metric == "ClientesApi/${AWS::StackName} ThrottledRequests":
		return "access log", nil
	case dims["Route"] != nil:
		route := toString(dims["Route"])
		for f, r := range routeOf {
			if r == route {
				fn = f
			}
		}
		if fn != "" && dims["Version"] == nil {
			return "live " + fn, nil
		}
		if v, attr := getAtt(dims["Version"]); fn == "" || v != versionOf[fn] || attr != "Version" {
			return "", fmt.Errorf("route %q, version %v: not a route's deployed version", route, dims["Version"])
		}
		return "version " + fn, nil
	case dims["FunctionName"] != nil:
		if res[fn].Type != "AWS::Lambda::Function" {
			return "", fmt.Errorf("FunctionName %v is not a function", dims["FunctionName"])
		}
		if dims["Resource"] == nil {
			return "function " + fn, nil
		}
		alias := toString(get(res[aliasOf[fn]].Properties, "Name"))
		if got := toString(get(dims["Resource"], "Fn::Sub")); alias == "" || got != "${"+fn+"}:"+alias {
			return "", fmt.Errorf("Resource %v is not %s's alias %q", dims["Resource"], fn, alias)
		}
		if dims["ExecutedVersion"] == nil {
			return "live " + fn, nil
		}
		if v, attr := getAtt(dims["ExecutedVersion"]); v != versionOf[fn] || attr != "Version" {
			return "", fmt.Errorf("ExecutedVersion %v is not the version of %s this template deploys", dims["ExecutedVersion"], fn)
		}
		return "version " + fn, nil
	case dims["ApiId"] != nil:
		if a := ref(dims["ApiId"]); res[a].Type == "AWS::ApiGatewayV2::Api" {
			return "api " + a, nil
		}
	case dims["Operation"] != nil:
		if op := toString(dims["Operation"]); operations[op] && res[ref(dims["TableName"])].Type == "AWS::DynamoDB::Table" {
			return "operation " + op, nil
		}
	case dims["TableName"] != nil:
		if tb := ref(dims["TableName"]); res[tb].Type == "AWS::DynamoDB::Table" {
			return "table " + tb, nil
		}
	}
	return "", fmt.Errorf("dimensions %v name no resource of this stack", dims)
}

// TestSafeDeploys checks that API Gateway invokes each function's live
// alias, that CodeDeploy shifts it with the template's role and deployment
// type, that this role holds no wildcard, and the stack-wide settings.
func TestSafeDeploys(t *testing.T) {
	res := translated(t)
	body, _ := json.Marshal(res["HttpApi"].Properties["Body"])
	codeDeploy := res["CodeDeployRole"].Properties
	var rollbackAlarms []string
	for _, rt := range api.Routes {
		fn := deployed[rt.Key()].Function
		alias := fn + "Aliaslive"
		if res[alias].Type != "AWS::Lambda::Alias" || get(res[alias].Properties, "Name") != "live" {
			t.Errorf("%s: no live alias", fn)
			continue
		}
		if !strings.Contains(string(body), "${"+alias+"}/invocations") {
			t.Errorf("%s: the HTTP API does not invoke the alias", rt.Key())
		}
		perm := res[fn+"ApiPermission"].Properties
		if ref(perm["FunctionName"]) != alias || perm["Principal"] != "apigateway.amazonaws.com" {
			t.Errorf("%s: API Gateway's permission is on %v, not the alias", fn, perm["FunctionName"])
		}
		group := ref(get(res[alias].UpdatePolicy, "CodeDeployLambdaAliasUpdate", "DeploymentGroupName"))
		g := res[group].Properties
		if role, _ := getAtt(g["ServiceRoleArn"]); role != "CodeDeployRole" || get(g, "DeploymentConfigName", "Fn::Sub", 1, "ConfigName") != "Canary10Percent5Minutes" ||
			get(g, "AutoRollbackConfiguration", "Enabled") != true {
			t.Errorf("%s: deployment group %v", fn, g)
		}
		for _, a := range asList(get(g, "AlarmConfiguration", "Alarms")) {
			rollbackAlarms = append(rollbackAlarms, ref(get(a, "Name")))
		}
		p := res[fn].Properties
		if get(p, "LoggingConfig", "SystemLogLevel") != "INFO" || get(p, "LoggingConfig", "ApplicationLogLevel") != "INFO" ||
			get(p, "Environment", "Variables", "DYNAMODB_ENDPOINT") != "" {
			t.Errorf("%s: logging %v, environment %v", fn, p["LoggingConfig"], p["Environment"])
		}
		if c := get(p, "ReservedConcurrentExecutions", "Fn::If"); get(c, 0) != "ReserveConcurrency" ||
			ref(get(c, 1)) != "ReservedConcurrency" || ref(get(c, 2)) != "AWS::NoValue" {
			t.Errorf("%s: reserved concurrency %v, want the parameter or none", fn, p["ReservedConcurrentExecutions"])
		}
	}

	// CodeDeploy's role: this stack's alarms through one pattern that no
	// deploy changes (TestAlarms holds every rollback alarm's name to it),
	// and the aliases by name.
	const alarmPattern = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AWS::StackName}-*"
	var alarmResources, aliasARNs []string
	for _, p := range asList(codeDeploy["Policies"]) {
		for _, st := range asList(get(p, "PolicyDocument", "Statement")) {
			actions := strings.Join(strs(get(st, "Action")), " ")
			if actions == "lambda:InvokeFunction" {
				continue // the pre-traffic hook: TestPreTrafficHookDeployed
			}
			if strings.Contains(actions, "*") {
				t.Errorf("CodeDeployRole: wildcard in %v", st)
			}
			if strings.HasPrefix(actions, "cloudwatch:") {
				alarmResources = append(alarmResources, fmt.Sprint(get(st, "Resource")))
				if actions != "cloudwatch:DescribeAlarms" || get(st, "Resource", "Fn::Sub") != alarmPattern {
					t.Errorf("CodeDeployRole: %v, want DescribeAlarms on %s alone", st, alarmPattern)
				}
				continue
			}
			for _, r := range asList(get(st, "Resource")) {
				if s, _ := r.(string); strings.Contains(s, "*") {
					t.Errorf("CodeDeployRole: wildcard in %v", st)
				}
				aliasARNs = append(aliasARNs, fmt.Sprint(r))
			}
		}
	}
	if len(alarmResources) != 1 || len(rollbackAlarms) != 3*len(api.Routes) || len(aliasARNs) != 2*len(api.Routes) {
		t.Errorf("CodeDeployRole reads alarms %v (rollback alarms %v); moves %v", alarmResources, rollbackAlarms, aliasARNs)
	}
	for name, r := range res {
		if r.Type == "AWS::IAM::Role" && r.Properties["ManagedPolicyArns"] != nil {
			t.Errorf("%s: managed policies %v (SAM's own CodeDeploy role is back?)", name, r.Properties["ManagedPolicyArns"])
		}
	}

	// The topic mails someone only when asked to.
	tpl := readTemplate(t)
	if sub := res["AlarmEmailSubscription"]; sub.Condition != "HasAlarmEmail" || tpl.Parameters["AlarmEmail"]["Default"] != "" ||
		tpl.Parameters["ReservedConcurrency"]["Default"] != "" || !slices.Contains(strs(tpl.Parameters["DeploymentType"]["AllowedValues"]), "AllAtOnce") {
		t.Errorf("subscription %+v; parameters %v", sub, tpl.Parameters)
	}

	// The dashboard shows every route, the API and the table.
	dash := toString(get(res["Dashboard"].Properties, "DashboardBody", "Fn::Sub"))
	var parsed map[string]any
	if err := json.Unmarshal([]byte(dash), &parsed); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	for _, s := range []string{"${HttpApi}", "${ClientesTable}"} {
		if !strings.Contains(dash, s) {
			t.Errorf("the dashboard does not show %s", s)
		}
	}
	for _, rt := range api.Routes {
		if !strings.Contains(dash, "${"+deployed[rt.Key()].Function+"}") || !strings.Contains(dash, `"title": "`+rt.Key()) ||
			!strings.Contains(dash, `Route=\"`+rt.Key()+`\"`) {
			t.Errorf("the dashboard has no row for %s", rt.Key())
		}
	}
	// A SEARCH names its namespace in double quotes: a stack's name may hold
	// a hyphen, which an unquoted namespace cannot.
	for _, m := range regexp.MustCompile(`SEARCH\('\{([^,]*),`).FindAllStringSubmatch(dash, -1) {
		if m[1] != `\"ClientesApi/${AWS::StackName}\"` {
			t.Errorf("dashboard SEARCH namespace %s is not quoted", m[1])
		}
	}
	if n := strings.Count(dash, "SEARCH("); n != len(api.Routes) {
		t.Errorf("the dashboard has %d SEARCH expressions, want one a route", n)
	}

	// The access log records why the authorizer refused a token.
	if access := toString(get(res["HttpApiApiGatewayDefaultStage"].Properties, "AccessLogSettings", "Format")); !strings.Contains(access, `"authorizerError":"$context.authorizer.error"`) {
		t.Errorf("the access log %s does not record $context.authorizer.error", access)
	}
}

// TestFailureLogLine runs a function's bootstrap under aws-lambda-rie with a
// table that does not exist, and checks that the 500 it answers is logged as
// a line the failures filter counts, with the route and the version that the
// filter publishes as dimensions, and that every line carries the level
// and timestamp Lambda's log-level filter reads (checkLogLines). Lambda keeps
// a custom runtime's JSON lines as written under the JSON log format.
func TestFailureLogLine(t *testing.T) {
	rt := api.Get
	rie, bootstrap := built(t, deployed[rt.Key()].Dir)
	backend := dynamotest.Dynalite(t)
	emu, err := lambdatest.Start(rie, bootstrap, []string{
		"TABLE_NAME=no-such-table",
		"DYNAMODB_ENDPOINT=" + backend.Endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		"AWS_LAMBDA_FUNCTION_VERSION=7",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	event, err := os.ReadFile("../events/get-ok.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := emu.Invoke(ctx, event)
	if err != nil || !strings.Contains(string(raw), `"statusCode":500`) {
		t.Fatalf("want a 500: %s %v\n%s", raw, err, emu.Log())
	}
	// The emulator copies the function's output to its own asynchronously,
	// so the line may come after the answer: wait for it, within bounds.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(emu.Log(), `"msg":"failure"`) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	var found bool
	for _, line := range strings.Split(emu.Log(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["msg"] != "failure" {
			continue
		}
		found = true
		if l["level"] != "ERROR" || l["route"] != rt.Key() || l["version"] != "7" {
			t.Errorf("failure line %s: want level ERROR, route %q, version \"7\"", line, rt.Key())
		}
	}
	if !found {
		t.Fatalf("no failure line in the function's output:\n%s", emu.Log())
	}
	if n := checkLogLines(t, emu.Log()); n == 0 {
		t.Errorf("no log line of the function's to check:\n%s", emu.Log())
	}
	src, _ := os.ReadFile("../internal/api/routes.go")
	if !strings.Contains(string(src), `.Error("panic", "route", rt.Key()`) {
		t.Error(`internal/api/routes.go no longer logs a recovered panic as Error("panic", "route", ...): the failures filter would miss it`)
	}
}

// storeOperations returns the DynamoDB operations internal/store calls, the
// Operation values DynamoDB publishes its per-request metrics under.
func storeOperations(t *testing.T) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob("../internal/store/*.go")
	ops := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`s\.db\.(\w+)\(`).FindAllStringSubmatch(string(src), -1) {
			ops[m[1]] = true
		}
	}
	if len(ops) < 5 {
		t.Fatalf("found only %v in internal/store: is the client still called s.db?", ops)
	}
	return ops
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case string:
		var f float64
		fmt.Sscan(v, &f)
		return f
	}
	return 0
}

func statOf(p map[string]any) string {
	for _, k := range []string{"Statistic", "ExtendedStatistic"} {
		if s, ok := p[k].(string); ok {
			return s
		}
	}
	if m := asList(p["Metrics"]); len(m) > 0 {
		return "math " + toString(get(m[len(m)-1], "Expression"))
	}
	return "?"
}

func periodOf(p map[string]any) string {
	period := p["Period"]
	if period == nil {
		period = get(p, "Metrics", 0, "MetricStat", "Period")
	}
	return fmt.Sprintf("%vs×%v", period, p["EvaluationPeriods"])
}
