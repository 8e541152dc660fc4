package localstack

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"push-reactivation/shared/dynamo"
)

// TestInProcessDynamoDBKeepsProductionBounds: the in-process client keeps
// more idle connections, and nothing else of the production client
// changes (its per-attempt timeout, retries and endpoint).
func TestInProcessDynamoDBKeepsProductionBounds(t *testing.T) {
	cfg := localAWSConfig("http://127.0.0.1:8000")
	prod, local := dynamo.NewClient(cfg).Options(), inProcessDynamoDB(cfg).Options()
	pc, ok1 := prod.HTTPClient.(*awshttp.BuildableClient)
	lc, ok2 := local.HTTPClient.(*awshttp.BuildableClient)
	if !ok1 || !ok2 {
		t.Fatalf("HTTP clients %T and %T, want *awshttp.BuildableClient", prod.HTTPClient, local.HTTPClient)
	}
	if got := lc.GetTransport().MaxIdleConnsPerHost; got != inProcessIdleConns {
		t.Errorf("MaxIdleConnsPerHost %d, want %d", got, inProcessIdleConns)
	}
	if pc.GetTransport().MaxIdleConnsPerHost >= inProcessIdleConns {
		t.Errorf("the production client already keeps %d idle connections: this setting is moot", pc.GetTransport().MaxIdleConnsPerHost)
	}
	if lc.GetTimeout() != pc.GetTimeout() || lc.GetTimeout() == 0 {
		t.Errorf("attempt timeout %v, production %v", lc.GetTimeout(), pc.GetTimeout())
	}
	if lc.GetDialer().Timeout != pc.GetDialer().Timeout || lc.GetDialer().Timeout == 0 {
		t.Errorf("dial timeout %v, production %v", lc.GetDialer().Timeout, pc.GetDialer().Timeout)
	}
	if local.RetryMaxAttempts != prod.RetryMaxAttempts || local.Retryer.MaxAttempts() != prod.Retryer.MaxAttempts() {
		t.Errorf("attempts %d/%d, production %d/%d", local.RetryMaxAttempts, local.Retryer.MaxAttempts(), prod.RetryMaxAttempts, prod.Retryer.MaxAttempts())
	}
	if aws.ToString(local.BaseEndpoint) != aws.ToString(prod.BaseEndpoint) {
		t.Errorf("endpoint %q, production %q", aws.ToString(local.BaseEndpoint), aws.ToString(prod.BaseEndpoint))
	}
}
