package app

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"push-reactivation/shared/config"
)

// AWSClients are the SDK clients, all built from the standard SDK
// configuration so AWS_ENDPOINT_URL_<SERVICE> is the only override.
type AWSClients struct {
	DynamoDB *dynamodb.Client
	SESv2    *sesv2.Client
	SMSVoice *pinpointsmsvoicev2.Client
}

// NewAWSClients builds every client. Building a client makes no network
// call, so functions that never send mail pay nothing for SESv2.
func NewAWSClients(ctx context.Context, opts ...config.ClientOption) (*AWSClients, error) {
	cfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return &AWSClients{DynamoDB: config.DynamoDB(cfg, opts...), SESv2: config.SESv2(cfg, opts...), SMSVoice: config.SMSVoice(cfg, opts...)}, nil
}
