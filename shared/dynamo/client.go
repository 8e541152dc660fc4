package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/shared/config"
)

// NewClient builds the DynamoDB client from the SDK configuration, with
// the bounded attempts of config.ForDynamoDB. The embedded minidyn server
// sends no valid CRC32 header, so response checksum validation is switched
// off for loopback endpoints, and only for them.
func NewClient(cfg aws.Config, opts ...config.ClientOption) *dynamodb.Client {
	return dynamodb.NewFromConfig(config.ForDynamoDB(cfg, opts...), func(o *dynamodb.Options) {
		if o.BaseEndpoint != nil && config.IsLoopback(*o.BaseEndpoint) {
			o.DisableValidateResponseChecksum = true
		}
	})
}
