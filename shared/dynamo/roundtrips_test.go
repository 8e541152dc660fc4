package dynamo_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

// countingAPI counts the round trips the store makes, so the counts in
// docs/table.md are checked rather than claimed.
type countingAPI struct {
	dynamo.API
	n atomic.Int64
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.n.Add(1)
	return c.API.GetItem(ctx, in, o...)
}
func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.n.Add(1)
	return c.API.PutItem(ctx, in, o...)
}
func (c *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.n.Add(1)
	return c.API.UpdateItem(ctx, in, o...)
}
func (c *countingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.n.Add(1)
	return c.API.DeleteItem(ctx, in, o...)
}
func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.n.Add(1)
	return c.API.Query(ctx, in, o...)
}
func (c *countingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.n.Add(1)
	return c.API.BatchGetItem(ctx, in, o...)
}
func (c *countingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.n.Add(1)
	return c.API.TransactWriteItems(ctx, in, o...)
}

// TestRoundTrips pins the documented round trips of the core operations.
func TestRoundTrips(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)
	counter := &countingAPI{API: f.client}
	s := dynamo.New(counter, f.table, f.clock)
	ctx := f.ctx

	measure := func(name string, want int64, op func() error) {
		t.Helper()
		counter.n.Store(0)
		if err := op(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := counter.n.Load(); got != want {
			t.Errorf("%s: %d round trips, docs/table.md says %d", name, got, want)
		}
	}
	measure("GetAdmin", 1, func() error { _, err := s.GetAdmin(ctx, "a1"); return err })
	measure("GetAdminByEmail", 2, func() error { _, err := s.GetAdminByEmail(ctx, "A1@acme.example"); return err })
	measure("ListAdmins", 1, func() error { _, err := s.ListAdmins(ctx, "acme"); return err })
	measure("CreateAdmin", 1, func() error {
		return s.CreateAdmin(ctx, domain.Admin{ID: "a2", AccountID: "acme", Email: "a2@acme.example", Status: domain.AdminActive})
	})
	var target *dynamo.ActivationTarget
	measure("GetActivationTarget", 2, func() (err error) { target, err = s.GetActivationTarget(ctx, secret.Hash(code)); return err })
	measure("Redeem", 1, func() error {
		return s.Redeem(ctx, dynamo.Redemption{Target: target,
			Credential: domain.Credential{ID: "c", AdminID: "a1", Status: domain.CredentialActive},
			Audit:      domain.AuditEvent{ID: "e", Time: f.clock.Now(), AccountID: "acme", Action: "x"}})
	})
	measure("RecordFailure", 1, func() error { _, _, err := s.RecordFailure(ctx, "a1"); return err })
	measure("ListAudit", 1, func() error { _, _, err := s.ListAudit(ctx, "acme", dynamo.AuditFilter{}); return err })
	measure("RateHit", 1, func() error { return s.RateHit(ctx, dynamo.Limit{Name: "x", Window: time.Hour, Max: 2}, "a1") })
}
