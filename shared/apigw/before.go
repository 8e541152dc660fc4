package apigw

import "context"

// Before adds a step that runs ahead of every matched route, after the
// body is read and before authentication; its error is the answer (a
// domain.Unavailable one is 503 50301 with Retry-After). Functions use it
// to finish a cold start that needs a dependency, such as unwrapping the
// code hash key with KMS: a failure is answered and tried again by the
// next request, never a crashed init. It returns rt.
func (rt *Router) Before(step func(context.Context) error) *Router {
	rt.before = append(rt.before, step)
	return rt
}

func (rt *Router) runBefore(ctx context.Context) error {
	for _, step := range rt.before {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}
