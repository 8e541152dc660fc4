package smsvoice

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"

	"push-reactivation/shared/config"
)

// NewClient builds the End User Messaging SMS and Voice v2 client from the
// SDK configuration, with the bounded attempts of config.ForSend.
func NewClient(cfg aws.Config, opts ...config.ClientOption) *pinpointsmsvoicev2.Client {
	return pinpointsmsvoicev2.NewFromConfig(config.ForSend(cfg, opts...))
}

// FromConfig is the sender of a function: SMS and voice from
// ORIGINATION_IDENTITY, tagged with SMS_CONFIGURATION_SET.
func FromConfig(awsCfg aws.Config, cfg config.Config) *Sender {
	return New(NewClient(awsCfg), cfg.OriginationIdentity, cfg.SMSConfigurationSet)
}
