package localstack

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/config"
	"push-reactivation/shared/device"
	"push-reactivation/shared/email"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/smsvoice"
)

// Routers maps each function's logical id in template.yaml to the
// constructor of its router from the shared dependencies and the SDK
// configuration: what its functions/<dir>/main.go hands to lambda.Start,
// with the same SDK clients. The local stack runs them in process; the
// template test checks that this list, the template and the Makefile
// agree, and internal/archtest that each main.go links only the clients
// it builds.
var Routers = map[string]func(d *app.Deps, cfg config.Config, aws aws.Config) *apigw.Router{
	"FallbackLoginFunction": func(d *app.Deps, cfg config.Config, aws aws.Config) *apigw.Router {
		return login.NewRouter(d.Logic(), smsvoice.FromConfig(aws, cfg))
	},
	"ReactivationCodeFunction": func(d *app.Deps, _ config.Config, _ aws.Config) *apigw.Router {
		return reactivation.NewRouter(d.Logic())
	},
	"OwnerReactivationFunction": func(d *app.Deps, cfg config.Config, aws aws.Config) *apigw.Router {
		return owner.NewRouter(d.Logic(), sesmail.FromConfig(aws, cfg))
	},
	"ActivationEmailFunction": func(d *app.Deps, cfg config.Config, aws aws.Config) *apigw.Router {
		return email.NewRouter(d.Logic(), sesmail.FromConfig(aws, cfg))
	},
	"DeviceFunction": func(d *app.Deps, cfg config.Config, aws aws.Config) *apigw.Router {
		return device.NewRouter(d.Logic(), sesmail.FromConfig(aws, cfg))
	},
}
