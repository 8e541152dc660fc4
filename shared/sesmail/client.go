package sesmail

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"push-reactivation/shared/config"
)

// NewClient builds the SES v2 client from the SDK configuration, with the
// bounded attempts of config.ForSend.
func NewClient(cfg aws.Config, opts ...config.ClientOption) *sesv2.Client {
	return sesv2.NewFromConfig(config.ForSend(cfg, opts...))
}

// FromConfig is the Mailer of a function: SES v2 from the SDK
// configuration, from SENDER_EMAIL, tagged with SES_CONFIGURATION_SET.
func FromConfig(awsCfg aws.Config, cfg config.Config) *Mailer {
	return New(NewClient(awsCfg), cfg.SenderEmail, cfg.SESConfigurationSet)
}
