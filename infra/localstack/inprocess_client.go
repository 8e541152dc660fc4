package localstack

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/shared/dynamo"
)

// inProcessIdleConns is how many idle connections to the embedded
// DynamoDB each in-process function keeps.
const inProcessIdleConns = 64

// inProcessDynamoDB is a function's DynamoDB client when it runs in
// process: the production client (dynamo.NewClient, with its timeouts and
// retries) with a connection pool sized for the stack. A Lambda instance
// serves one request at a time, so the SDK's 10 idle connections per host
// are plenty there; in process one router serves every concurrent request
// of its function (make load drives 16), and beyond 10 at once each
// request would dial the embedded DynamoDB anew and leave a connection in
// TIME_WAIT.
func inProcessDynamoDB(cfg aws.Config) *dynamodb.Client {
	c := dynamo.NewClient(cfg)
	return dynamodb.New(c.Options(), func(o *dynamodb.Options) {
		if b, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient = b.WithTransportOptions(func(t *http.Transport) {
				t.MaxIdleConns = max(t.MaxIdleConns, inProcessIdleConns)
				t.MaxIdleConnsPerHost = inProcessIdleConns
			})
		}
	})
}
