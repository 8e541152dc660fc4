package localstack

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"push-reactivation/internal/testenv"
	"push-reactivation/shared/metrics"
)

// TestInProcessWritesEMF: the in-process stack shows the EMF metric lines
// each function would send to CloudWatch, in its output, prefixed with
// the function's logical id (as under aws-lambda-rie), in the namespace
// of its METRICS_NAMESPACE and valid by metrics.ParseLine.
func TestInProcessWritesEMF(t *testing.T) {
	o := freeOptions(t)
	out := &testenv.SyncBuffer{}
	o.Output = out
	s := startStack(t, o)

	resp, err := http.Get(s.HTTPURL + "/v1/profile") // no session: 401 from ReactivationCodeFunction
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /v1/profile without a session: %d", resp.StatusCode)
	}

	const prefix = "[ReactivationCodeFunction] "
	found := false
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok || !strings.Contains(line, `"_aws"`) {
			continue
		}
		samples, err := metrics.ParseLine([]byte(line))
		if err != nil {
			t.Fatalf("EMF line %s: %v", line, err)
		}
		for _, sm := range samples {
			if sm.Name == metrics.Requests && sm.Dimensions[metrics.DimRoute] == "GET /v1/profile" {
				found = true
				if want := s.Env["ReactivationCodeFunction"]["METRICS_NAMESPACE"]; sm.Namespace != want || want == "" {
					t.Errorf("namespace %q, want the function's METRICS_NAMESPACE %q", sm.Namespace, want)
				}
			}
		}
	}
	if !found {
		t.Fatalf("no Requests line for GET /v1/profile in the stack's output:\n%s", out.String())
	}
}
