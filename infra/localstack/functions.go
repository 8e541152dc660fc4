package localstack

import (
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/device"
	"push-reactivation/shared/email"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

// Routers maps each function's logical id in template.yaml to the
// constructor of its router: what its functions/<dir>/main.go hands to
// lambda.Start. The local stack runs them in process; the template test
// checks that this list, the template and the Makefile agree.
var Routers = map[string]func(*app.Deps) *apigw.Router{
	"FallbackLoginFunction":     login.NewRouter,
	"ReactivationCodeFunction":  reactivation.NewRouter,
	"OwnerReactivationFunction": owner.NewRouter,
	"ActivationEmailFunction":   email.NewRouter,
	"DeviceFunction":            device.NewRouter,
}
