package localstack

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/tablespec"
)

// Template is what the local stack reads from template.yaml: the
// functions, their routes and environment, and the HTTP API's CORS
// settings. template.yaml stays the single source of truth (DESIGN.md §2).
type Template struct {
	Functions []Function
	// CORS is the HttpApi's CorsConfiguration, with parameters resolved.
	CORS CORS
	// Raw is the parsed template, for checks that need more.
	Raw *cloudformation.Template
}

// Function is one AWS::Serverless::Function.
type Function struct {
	LogicalID string
	// Routes are its HttpApi events, as route keys ("POST /v1/login").
	Routes []Route
	// Env is Globals.Function.Environment overlaid with the function's own,
	// with parameters resolved; a reference to a resource (TABLE_NAME: !Ref
	// Table) is its logical id, for the caller to replace.
	Env map[string]string
	// TimeoutSecs is the function's timeout (Globals or its own).
	TimeoutSecs int
	// MemoryMB is the function's memory size.
	MemoryMB int
}

// Route is one HttpApi event of a function.
type Route struct {
	Event    string // the event's name in the template
	Method   string // upper case; ANY matches every method; "" for $default
	Path     string // "/v1/login/{txid}/verify", or "$default"
	Function string // the owning function's logical id
}

// Key is the route key API Gateway puts in the event: "POST /v1/login",
// or "$default".
func (r Route) Key() string {
	if r.IsDefault() {
		return apigw.DefaultRoute
	}
	return r.Method + " " + r.Path
}

// IsDefault reports whether r is the API's $default route.
func (r Route) IsDefault() bool { return r.Method == "" && r.Path == apigw.DefaultRoute }

// CORS is an HttpApi CorsConfiguration.
type CORS struct {
	AllowOrigins  []string
	AllowHeaders  []string
	AllowMethods  []string
	ExposeHeaders []string
	MaxAge        int
	Credentials   bool
}

// LoadTemplate parses the SAM template at path. params override the
// Parameters' defaults, like `sam deploy --parameter-overrides`.
func LoadTemplate(path string, params map[string]string) (*Template, error) {
	overrides := map[string]any{}
	for k, v := range params {
		overrides[k] = v
	}
	raw, err := tablespec.OpenTemplate(path, &intrinsics.ProcessorOptions{
		ParameterOverrides:        overrides,
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{"Ref": ref},
	})
	if err != nil {
		return nil, fmt.Errorf("localstack: parse %s: %w", path, err)
	}
	t := &Template{Raw: raw}
	global := globalFunction(raw)
	fns := raw.GetAllServerlessFunctionResources()
	for _, id := range slices.Sorted(maps.Keys(fns)) {
		fn := fns[id]
		f := Function{LogicalID: id, Env: map[string]string{}, TimeoutSecs: 3, MemoryMB: 128}
		if global.env != nil {
			maps.Copy(f.Env, global.env)
		}
		if fn.Environment != nil {
			maps.Copy(f.Env, fn.Environment.Variables)
		}
		if global.timeout != 0 {
			f.TimeoutSecs = global.timeout
		}
		if fn.Timeout != nil {
			f.TimeoutSecs = *fn.Timeout
		}
		if global.memory != 0 {
			f.MemoryMB = global.memory
		}
		if fn.MemorySize != nil {
			f.MemoryMB = *fn.MemorySize
		}
		for _, name := range slices.Sorted(maps.Keys(fn.Events)) {
			ev := fn.Events[name]
			if ev.Type != "HttpApi" {
				continue
			}
			if ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
				return nil, fmt.Errorf("localstack: %s event %s has no properties", id, name)
			}
			p := ev.Properties.HttpApiEvent
			if p.Method == nil && p.Path == nil {
				// Without Method and Path the event is the API's $default
				// route: what no other route matches.
				f.Routes = append(f.Routes, Route{Event: name, Path: apigw.DefaultRoute, Function: id})
				continue
			}
			if p.Method == nil || p.Path == nil {
				return nil, fmt.Errorf("localstack: %s event %s needs Method and Path (or neither, for $default)", id, name)
			}
			method := strings.ToUpper(*p.Method)
			if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				method = "ANY"
			}
			f.Routes = append(f.Routes, Route{Event: name, Method: method, Path: *p.Path, Function: id})
		}
		t.Functions = append(t.Functions, f)
	}
	t.CORS = httpAPICORS(raw)
	return t, nil
}

// ref resolves Ref like goformation (parameters to their values, pseudo
// parameters to examples) but keeps a reference to a resource as its
// logical id instead of dropping it, so checks can see what refers to
// what (Policies: [!Ref TableAccessPolicy]).
func ref(name string, input, template any) any {
	if v := intrinsics.Ref(name, input, template); v != nil {
		return v
	}
	if id, ok := input.(string); ok && id != "AWS::NoValue" {
		return id
	}
	return nil
}

type globals struct {
	env             map[string]string
	timeout, memory int
}

func globalFunction(raw *cloudformation.Template) globals {
	var g globals
	f, err := raw.GetServerlessGlobalFunction()
	if err != nil || f == nil {
		return g
	}
	if f.Environment != nil {
		g.env = f.Environment.Variables
	}
	if f.Timeout != nil {
		g.timeout = *f.Timeout
	}
	if f.MemorySize != nil {
		g.memory = *f.MemorySize
	}
	return g
}

// httpAPICORS reads the CorsConfiguration of the template's HttpApi (the
// service has one API).
func httpAPICORS(raw *cloudformation.Template) CORS {
	var c CORS
	for _, api := range raw.GetAllServerlessHttpApiResources() {
		if api.CorsConfiguration == nil || api.CorsConfiguration.CorsConfigurationObject == nil {
			continue
		}
		cc := api.CorsConfiguration.CorsConfigurationObject
		c.AllowOrigins, c.AllowHeaders, c.AllowMethods, c.ExposeHeaders = cc.AllowOrigins, cc.AllowHeaders, cc.AllowMethods, cc.ExposeHeaders
		if cc.MaxAge != nil {
			c.MaxAge = *cc.MaxAge
		}
		if cc.AllowCredentials != nil {
			c.Credentials = *cc.AllowCredentials
		}
	}
	return c
}

// Routes lists every route of every function.
func (t *Template) Routes() []Route {
	var out []Route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	return out
}

// Function returns the function with the logical id, or nil.
func (t *Template) Function(id string) *Function {
	for i := range t.Functions {
		if t.Functions[i].LogicalID == id {
			return &t.Functions[i]
		}
	}
	return nil
}
