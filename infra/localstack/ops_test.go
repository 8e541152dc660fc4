package localstack

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/cloudwatch"

	"push-reactivation/shared/metrics"
)

// awsMetrics are the AWS namespace metrics alarms may watch: each exists
// in its service's CloudWatch documentation under these dimensions.
var awsMetrics = map[string][]string{
	"AWS/ApiGateway/5xx":                 {"ApiId"},
	"AWS/ApiGateway/4xx":                 {"ApiId"},
	"AWS/DynamoDB/ReadThrottleEvents":    {"TableName"},
	"AWS/DynamoDB/WriteThrottleEvents":   {"TableName"},
	"AWS/SES/Reputation.BounceRate":      {},
	"AWS/SES/Reputation.ComplaintRate":   {},
	"AWS/Lambda/Errors":                  {"FunctionName"},
	"AWS/Lambda/Throttles":               {"FunctionName"},
	"AWS/Lambda/ConcurrentExecutions":    {},
	"AWS/SES/Send":                       {},
	"AWS/ApiGateway/IntegrationLatency":  {"ApiId"},
	"AWS/ApiGateway/Latency":             {"ApiId"},
	"AWS/DynamoDB/SystemErrors":          {"TableName", "Operation"},
	"AWS/DynamoDB/ThrottledRequests":     {"TableName", "Operation"},
	"AWS/DynamoDB/UserErrors":            {},
	"AWS/DynamoDB/ConsumedReadCapacity":  {"TableName"},
	"AWS/DynamoDB/ConsumedWriteCapacity": {"TableName"},
}

// watched is one metric an alarm reads.
type watched struct {
	namespace, name string
	dims            []cloudwatch.Alarm_Dimension
}

func alarmMetrics(a *cloudwatch.Alarm) []watched {
	var out []watched
	if a.MetricName != nil {
		out = append(out, watched{deref(a.Namespace), *a.MetricName, a.Dimensions})
	}
	for _, q := range a.Metrics {
		if q.MetricStat != nil && q.MetricStat.Metric != nil {
			m := q.MetricStat.Metric
			out = append(out, watched{deref(m.Namespace), deref(m.MetricName), m.Dimensions})
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestAlarmsWatchEmittedMetrics: every alarm of template.yaml reads a
// metric the code emits (shared/metrics.Defs, in the stack's namespace,
// under one of its dimension sets, Service = push-reactivation) or an AWS
// namespace metric that exists; each notifies; and the alarms the
// operations need are there.
func TestAlarmsWatchEmittedMetrics(t *testing.T) {
	tm := loadTemplate(t)
	alarms := tm.Raw.GetAllCloudWatchAlarmResources()
	if len(alarms) == 0 {
		t.Fatal("template.yaml has no alarms")
	}
	covered := map[string]bool{}
	raw := rawTemplate(t)
	for id, a := range alarms {
		// goformation evaluates a Ref to a resource as "": read the
		// template as written.
		if got := jsonOf(dig(raw, "Resources", id, "Properties", "AlarmActions")); got != `[{"Fn::If":["CreateAlarmTopic",{"Ref":"AlarmTopic"},{"Ref":"AlarmTopicArn"}]}]` {
			t.Errorf("%s notifies %s, want the alarm topic (AlarmTopicArn, or the stack's AlarmTopic)", id, got)
		}
		ws := alarmMetrics(a)
		if len(ws) == 0 {
			t.Errorf("%s reads no metric", id)
		}
		for _, w := range ws {
			dimNames := []string{}
			for _, d := range w.dims {
				dimNames = append(dimNames, d.Name)
			}
			switch {
			case strings.HasPrefix(w.namespace, "AWS/"):
				want, ok := awsMetrics[w.namespace+"/"+w.name]
				if !ok {
					t.Errorf("%s reads %s %s, not a known AWS metric", id, w.namespace, w.name)
				} else if !slices.Equal(dimNames, want) {
					t.Errorf("%s reads %s %s with dimensions %v, want %v", id, w.namespace, w.name, dimNames, want)
				}
				covered[w.namespace+"/"+w.name] = true
			case strings.HasPrefix(w.namespace, metrics.DefaultNamespace+"/"):
				def, ok := metrics.Lookup(metrics.Name(w.name))
				if !ok {
					t.Errorf("%s reads %s, which the code never emits (shared/metrics.Defs)", id, w.name)
					continue
				}
				if !slices.ContainsFunc(def.Dimensions, func(set []string) bool { return slices.Equal(set, dimNames) }) {
					t.Errorf("%s reads %s under dimensions %v; the code publishes it under %v only", id, w.name, dimNames, def.Dimensions)
				}
				for _, d := range w.dims {
					if d.Name == metrics.DimService && d.Value != metrics.Service {
						t.Errorf("%s: Service = %q, the code says %q", id, d.Value, metrics.Service)
					}
				}
				key := w.name
				for _, d := range w.dims {
					if d.Name == metrics.DimChannel {
						key += "/" + d.Value
					}
				}
				covered[key] = true
			default:
				t.Errorf("%s reads namespace %q: neither AWS/ nor the stack's %s/<stack>", id, w.namespace, metrics.DefaultNamespace)
			}
		}
	}
	// Issue 16: 5xx rate, dependency failures, SMS and email send
	// failures, lockout spikes, throttling, DynamoDB throttles.
	for _, need := range []string{"ServerErrors", "DependencyFailures", "MessageSendFailures/sms", "MessageSendFailures/email",
		"Lockouts", "Throttled", "AWS/DynamoDB/ReadThrottleEvents", "AWS/DynamoDB/WriteThrottleEvents"} {
		if !covered[need] {
			t.Errorf("no alarm watches %s", need)
		}
	}
	if _, ok := tm.Raw.Parameters["AlarmTopicArn"]; !ok {
		t.Error("no AlarmTopicArn parameter")
	}
}

// contextVar matches an access log variable.
var contextVar = regexp.MustCompile(`\$[a-zA-Z][a-zA-Z0-9_.-]*`)

// safeAccessLogVars are the $context variables that carry no secret: ids,
// times, sizes, statuses, the route key (the template's path, never the
// request's), the caller's address and API Gateway's own error texts.
// Not here, on purpose: $context.path and $context.http.path (an
// activation code is a path segment), $request.* (headers such as
// X-Login-Secret and Authorization, the query string), $context.authorizer.*,
// $context.identity.userAgent (caller-controlled text).
var safeAccessLogVars = map[string]bool{
	"$context.requestId": true, "$context.extendedRequestId": true, "$context.requestTime": true,
	"$context.requestTimeEpoch": true, "$context.identity.sourceIp": true, "$context.routeKey": true,
	"$context.status": true, "$context.protocol": true, "$context.responseLength": true,
	"$context.responseLatency": true, "$context.integrationLatency": true, "$context.integrationStatus": true,
	"$context.integrationErrorMessage": true, "$context.error.message": true, "$context.httpMethod": true,
	"$context.stage": true, "$context.apiId": true, "$context.domainName": true,
}

// TestAccessLogFormat: the API writes access logs to a log group with a
// retention, as JSON whose every field is a $context variable that cannot
// carry a secret, and which holds requestId (the correlation id of the
// functions' logs) and routeKey.
func TestAccessLogFormat(t *testing.T) {
	tm := loadTemplate(t)
	apis := tm.Raw.GetAllServerlessHttpApiResources()
	if len(apis) != 1 {
		t.Fatalf("%d HttpApi resources", len(apis))
	}
	for id, api := range apis {
		if api.AccessLogSetting == nil || api.AccessLogSetting.Format == nil {
			t.Fatalf("%s has no AccessLogSettings with a Format", id)
		}
		checkAccessLogFormat(t, *api.AccessLogSetting.Format)
	}
	raw := rawTemplate(t)
	dest := jsonOf(dig(raw, "Resources", "HttpApi", "Properties", "AccessLogSettings", "DestinationArn"))
	if dest != `{"Fn::GetAtt":"ApiAccessLogs.Arn"}` {
		t.Errorf("access logs go to %s, want the stack's ApiAccessLogs", dest)
	}
	if dig(raw, "Resources", "ApiAccessLogs", "Properties", "RetentionInDays") == nil {
		t.Error("ApiAccessLogs has no RetentionInDays")
	}
	// The checker itself refuses what it must.
	for _, bad := range []string{
		`{"requestId":"$context.requestId","path":"$context.path"}`,
		`{"requestId":"$context.requestId","secret":"$request.header.X-Login-Secret"}`,
		`{"requestId":"$context.requestId","q":"$request.querystring.code"}`,
		`{"requestId":"$context.requestId","ua":"$context.identity.userAgent"}`,
		`{"requestId":"$context.requestId","p":"$context.http.path"}`,
		`$context.requestId $context.routeKey`,
	} {
		ft := &fakeT{}
		checkAccessLogFormat(ft, bad)
		if !ft.failed {
			t.Errorf("checker accepted %s", bad)
		}
	}
}

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()                      {}
func (f *fakeT) Errorf(string, ...any)        { f.failed = true }
func (f *fakeT) Fatalf(string, ...any)        { f.failed = true }
func (f *fakeT) Logf(format string, a ...any) {}

func checkAccessLogFormat(t testing.TB, format string) {
	t.Helper()
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Errorf("access log format is not a flat JSON object of strings: %v", err)
		return
	}
	for name, v := range fields {
		vars := contextVar.FindAllString(v, -1)
		if len(vars) != 1 || vars[0] != v {
			t.Errorf("access log field %s = %q: want exactly one variable", name, v)
			continue
		}
		if !safeAccessLogVars[v] {
			t.Errorf("access log field %s = %s may carry a secret (not in the allowed list)", name, v)
		}
	}
	for _, need := range []string{"$context.requestId", "$context.routeKey"} {
		found := false
		for _, v := range fields {
			found = found || v == need
		}
		if !found {
			t.Errorf("access log format lacks %s", need)
		}
	}
}

// TestLogRetentionAndTracing: every function has its log group
// (/aws/lambda/<function>) with a retention, and active tracing.
func TestLogRetentionAndTracing(t *testing.T) {
	tm := loadTemplate(t)
	raw := rawTemplate(t)
	groups := map[string]*int{}
	for gid, g := range tm.Raw.GetAllLogsLogGroupResources() {
		// The name refers to the function, which goformation evaluates
		// as "": read it as written.
		if name, ok := dig(raw, "Resources", gid, "Properties", "LogGroupName", "Fn::Sub").(string); ok {
			groups[name] = g.RetentionInDays
		}
	}
	global, err := tm.Raw.GetServerlessGlobalFunction()
	if err != nil {
		t.Fatal(err)
	}
	for id, fn := range tm.Raw.GetAllServerlessFunctionResources() {
		name := "/aws/lambda/${" + id + "}"
		if r, ok := groups[name]; !ok || r == nil || *r <= 0 {
			t.Errorf("%s: no log group %s with RetentionInDays", id, name)
		}
		tracing := fn.Tracing
		if tracing == nil {
			tracing = global.Tracing
		}
		if tracing == nil || *tracing != "Active" {
			t.Errorf("%s: Tracing is not Active", id)
		}
	}
}

// TestMakeDeployExplainsWhatIsMissing: make deploy stops with a message
// naming what is missing (there is no AWS account here, so that is as far
// as it can go in a test), and refuses an environment samconfig.toml lacks.
func TestMakeDeployExplainsWhatIsMissing(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"SAM=/nonexistent/sam"}, "the AWS SAM CLI ('/nonexistent/sam') is not installed"},
		{[]string{"SAM=true", "AWS=/nonexistent/aws"}, "the AWS CLI ('/nonexistent/aws') is not installed"},
		{[]string{"SAM=true", "AWS=false"}, "no usable AWS credentials"},
		{[]string{"ENV=staging"}, "ENV must be dev or prod"},
	} {
		out, err := exec.Command("make", append([]string{"-s", "--no-print-directory", "-C", root, "deploy"}, c.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("make deploy %v: %v, output %q; want a failure saying %q", c.args, err, out, c.want)
		}
	}
}

// TestSamconfigEnvironments: samconfig.toml has the dev and prod
// environments make deploy names, each overriding only parameters the
// template has.
func TestSamconfigEnvironments(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	tm := loadTemplate(t)
	for _, env := range []string{"dev", "prod"} {
		section := regexp.MustCompile(`(?s)\[` + env + `\.deploy\.parameters\](.*?)(\n\[|$)`).FindStringSubmatch(string(b))
		if section == nil {
			t.Errorf("samconfig.toml has no [%s.deploy.parameters]", env)
			continue
		}
		m := regexp.MustCompile(`parameter_overrides = "([^"]*)"`).FindStringSubmatch(section[1])
		if m == nil {
			t.Errorf("%s: no parameter_overrides", env)
			continue
		}
		for _, kv := range strings.Fields(m[1]) {
			name, _, _ := strings.Cut(kv, "=")
			if _, ok := tm.Raw.Parameters[name]; !ok {
				t.Errorf("%s overrides %s, which template.yaml does not declare", env, name)
			}
		}
		if !strings.Contains(section[1], `stack_name = "push-reactivation-`+env+`"`) {
			t.Errorf("%s: stack_name is not push-reactivation-%s", env, env)
		}
	}
}
