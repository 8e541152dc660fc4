//go:build !fuzz

package owner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

// TestPanelRoundTrips pins the DynamoDB round trips of the panel's hot
// paths, session included, in their costliest shape (docs/table.md,
// round trips per panel endpoint): an admin with an active credential
// and a pending reactivation an Owner started, which the next start
// replaces.
func TestPanelRoundTrips(t *testing.T) {
	f := newFixture(t)
	ownerTok := f.SessionFor("owner@acme.example")
	first := f.ownerStart(ownerTok, "acme-admin")
	if _, err := f.Redeem(first.Code(), "cred-1", "Android", "Pixel 9"); err != nil {
		t.Fatal(err)
	}
	f.ownerStart(ownerTok, "acme-admin") // pending, started by the Owner

	d, db := f.CountingDeps()
	self := reactivation.NewRouter(d.Logic())
	svc := reactivation.NewService(d.Logic())
	svc.Notifier = f.notices
	owners := owner.NewRouterWith(d.Logic(), svc)
	adminTok := f.SessionFor("admin@acme.example")
	measure := func(name string, want int64, call func() *apptest.Response) *apptest.Response {
		t.Helper()
		var resp *apptest.Response
		if got := db.Measure(func() { resp = call() }); got != want || resp.Status >= 300 {
			t.Errorf("%s: %d round trips (want %d), %d %s", name, got, want, resp.Status, resp.Body)
		}
		return resp
	}
	profile := func() *apptest.Response {
		return f.Call(self, apptest.Request{Method: "GET", Path: "/v1/profile", Token: adminTok})
	}
	resp := measure("GET /v1/profile", 2, profile)
	if !strings.Contains(resp.Body, `"started_by":{"admin_id":"acme-owner","name":"Olivia Owner"}`) || !strings.Contains(resp.Body, `"model":"Pixel 9"`) {
		t.Fatalf("profile: %s", resp.Body)
	}
	measure("GET /v1/admins/{admin_id}", 3, func() *apptest.Response {
		return f.Call(owners, apptest.Request{Method: "GET", Path: "/v1/admins/acme-admin", Token: ownerTok})
	})
	measure("POST /v1/admins/{admin_id}/duo-push/reactivation, replacing", 4, func() *apptest.Response {
		return f.Call(owners, apptest.Request{Method: "POST", Path: apptest.OwnerReactivationPath("acme-admin"), Token: ownerTok, JSON: map[string]any{}})
	})
	measure("POST /v1/profile/duo-push/reactivation, replacing", 3, func() *apptest.Response {
		return f.Call(self, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: adminTok, JSON: map[string]any{}})
	})

	// A reactivation started before reactivations carried their
	// starter's name costs one read of the starter.
	f.Clock.Advance(time.Hour)
	adminTok = f.SessionFor("admin@acme.example")
	ownerTok = f.SessionFor("owner@acme.example")
	started := f.ownerStart(ownerTok, "acme-admin")
	if _, err := f.AWS.DynamoDB.UpdateItem(f.Ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.Deps.Config.TableName),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "REACT#" + started.ReactivationID},
			"SK": &types.AttributeValueMemberS{Value: "#REACT"}},
		UpdateExpression:          aws.String("SET initiated_by_name = :none"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":none": &types.AttributeValueMemberS{Value: ""}}}); err != nil {
		t.Fatal(err)
	}
	resp = measure("GET /v1/profile of an older reactivation", 3, profile)
	if !strings.Contains(resp.Body, `"started_by":{"admin_id":"acme-owner","name":"Olivia Owner"}`) {
		t.Fatalf("older reactivation: %s", resp.Body)
	}
}
