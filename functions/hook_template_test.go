package functions_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientes-api/clientes/internal/api"
	"github.com/clientes-api/clientes/internal/pretraffic"
)

// hookFunction is the pre-traffic hook's logical id: a function of the
// template that serves no route.
const hookFunction = "PreTrafficHookFunction"

// TestPreTrafficHookDeployed checks how the template deploys the hook: built
// as the functions are, run by every route's deployment before traffic
// moves, told each new version, allowed to invoke only those functions and
// to report only on their deployments, and invoked by CodeDeploy's role.
func TestPreTrafficHookDeployed(t *testing.T) {
	tpl := readTemplate(t)
	hook := tpl.Resources[hookFunction]
	p := hook.Properties
	if hook.Type != "AWS::Serverless::Function" || get(p, "CodeUri") != "functions/pretraffic" ||
		get(hook.Metadata, "BuildMethod") != "makefile" || get(hook.Metadata, "ContextPath") != "." || get(hook.Metadata, "WorkingDirectory") != "." {
		t.Errorf("%s: %v %v", hookFunction, hook.Metadata, p)
	}
	makefile, _ := os.ReadFile("../Makefile")
	if !strings.Contains(string(makefile), "build-"+hookFunction+": ; $(call lambda_build,./functions/pretraffic,linux,arm64,$(ARTIFACTS_DIR)/bootstrap)") {
		t.Errorf("the Makefile has no build-%s target building ./functions/pretraffic for linux/arm64", hookFunction)
	}
	if get(p, "DeploymentPreference", "Enabled") != false {
		t.Errorf("%s: DeploymentPreference %v: the hook is not deployed by CodeDeploy itself", hookFunction, get(p, "DeploymentPreference"))
	}
	// The timeout and the margin the docs give.
	doc, _ := os.ReadFile("../docs/after-deploy.md")
	timeout, _ := get(p, "Timeout").(int)
	if !strings.Contains(string(doc), fmt.Sprintf("%d seconds before the hook's own %d-second timeout", pretraffic.Margin/time.Second, timeout)) {
		t.Errorf("docs/after-deploy.md does not give the hook's %d s timeout and %v margin", timeout, pretraffic.Margin)
	}

	res := translated(t)
	versionOf := map[string]string{}
	for _, v := range ofType(res, "AWS::Lambda::Version") {
		versionOf[ref(res[v].Properties["FunctionName"])] = v
	}
	vars, _ := get(res[hookFunction].Properties, "Environment", "Variables").(map[string]any)
	var versions, groups []string
	for _, tg := range pretraffic.Targets {
		fn := deployed[tg.Route.Key()].Function
		if got := ref(vars[tg.Env]); got == "" || got != versionOf[fn] {
			t.Errorf("%s: %s is %v, want the version of %s this template publishes", hookFunction, tg.Env, vars[tg.Env], fn)
		}
		// Any version of the function (a qualified ARN), so that a
		// deploy changes no IAM policy.
		versions = append(versions, "${"+fn+".Arn}:*")
	}
	for name := range vars {
		if !slices.ContainsFunc(pretraffic.Targets, func(tg pretraffic.Target) bool { return tg.Env == name }) && name != "TABLE_NAME" && name != "DYNAMODB_ENDPOINT" {
			t.Errorf("%s: environment variable %s is no target's", hookFunction, name)
		}
	}
	for _, rt := range api.Routes {
		update := get(res[deployed[rt.Key()].Function+"Aliaslive"].UpdatePolicy, "CodeDeployLambdaAliasUpdate")
		if ref(get(update, "BeforeAllowTrafficHook")) != hookFunction {
			t.Errorf("%s: the live alias's deployment runs %v before traffic, not %s", rt.Key(), get(update, "BeforeAllowTrafficHook"), hookFunction)
		}
		groups = append(groups, ref(get(update, "DeploymentGroupName")))
	}

	// Its role: the new versions, the deployment groups, its own logs.
	role, _ := getAtt(res[hookFunction].Properties["Role"])
	policies := asList(res[role].Properties["Policies"])
	for _, name := range ofType(res, "AWS::IAM::Policy") {
		if roles := asList(res[name].Properties["Roles"]); len(roles) == 1 && ref(roles[0]) == role {
			policies = append(policies, res[name].Properties)
		}
	}
	var invokes, reports []string
	for _, policy := range policies {
		for _, st := range asList(get(policy, "PolicyDocument", "Statement")) {
			actions := strs(get(st, "Action"))
			resources := asList(get(st, "Resource"))
			if r, ok := get(st, "Resource").(map[string]any); ok {
				resources = []any{r}
			}
			switch {
			case get(st, "Effect") != "Allow" || strings.Contains(strings.Join(actions, " "), "*"):
				t.Errorf("%s: statement %v", role, st)
			case slices.Equal(actions, []string{"lambda:InvokeFunction"}):
				for _, r := range resources {
					invokes = append(invokes, toString(get(r, "Fn::Sub")))
				}
			case slices.Equal(actions, []string{"codedeploy:PutLifecycleEventHookExecutionStatus"}):
				for _, r := range resources {
					m := regexp.MustCompile(`^arn:\$\{AWS::Partition\}:codedeploy:\$\{AWS::Region\}:\$\{AWS::AccountId\}:deploymentgroup:\$\{ServerlessDeploymentApplication\}/\$\{(\w+)\}$`).
						FindStringSubmatch(toString(get(r, "Fn::Sub")))
					if m == nil {
						t.Errorf("%s: reports on %v, not one deployment group", role, r)
						continue
					}
					reports = append(reports, m[1])
				}
			case slices.Equal(actions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}):
				group := ref(get(res[hookFunction].Properties, "LoggingConfig", "LogGroup"))
				if len(resources) != 1 || !strings.Contains(toString(get(resources[0], "Fn::Sub")), ":log-group:${"+group+"}:log-stream:*") {
					t.Errorf("%s: logs to %v, not its own log group %s", role, resources, group)
				}
			default:
				t.Errorf("%s: statement %v is none the hook needs", role, st)
			}
		}
	}
	slices.Sort(invokes)
	slices.Sort(versions)
	slices.Sort(reports)
	slices.Sort(groups)
	if !slices.Equal(invokes, versions) || !slices.Equal(reports, groups) || len(groups) != len(api.Routes) {
		t.Errorf("%s invokes %v, want %v; reports on %v, want %v", role, invokes, versions, reports, groups)
	}

	// CodeDeploy invokes the hook with its own role.
	var invoked bool
	for _, policy := range asList(res["CodeDeployRole"].Properties["Policies"]) {
		for _, st := range asList(get(policy, "PolicyDocument", "Statement")) {
			if slices.Contains(strs(get(st, "Action")), "lambda:InvokeFunction") {
				fn, attr := getAtt(get(st, "Resource"))
				invoked = fn == hookFunction && attr == "Arn" && len(strs(get(st, "Action"))) == 1
			}
		}
	}
	if !invoked {
		t.Errorf("CodeDeployRole may not invoke %s (alone)", hookFunction)
	}
}
