package apigw

import (
	"context"
	"time"

	"push-reactivation/shared/domain"
)

type deadlineKey struct{}

// WithRequestDeadline returns ctx telling Handle to give the handler d
// rather than domain.RequestDeadline. Only tests use it: ones that load a
// small machine on purpose (fifty concurrent requests under the race
// detector) need longer than a request ever takes in production, where
// the context comes from the Lambda runtime and never carries it.
func WithRequestDeadline(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, deadlineKey{}, d)
}

func requestDeadline(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(deadlineKey{}).(time.Duration); ok && d > 0 {
		return d
	}
	return domain.RequestDeadline
}
