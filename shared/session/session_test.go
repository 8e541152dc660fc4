package session_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/session"
)

func TestAuthenticate(t *testing.T) {
	env := apptest.New(t)
	svc := env.Deps.Sessions
	token := env.SessionFor("admin@acme.example")

	p, err := svc.Authenticate(env.Ctx, token)
	if err != nil || p.Admin.Email != "admin@acme.example" || p.Session.ActingAccountID != "acme" {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := svc.Authenticate(env.Ctx, token+"x"); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("unknown token: %v", err)
	}
	// Use within the idle window keeps the session alive past 30 minutes.
	authenticate := func() error {
		p, err := svc.Authenticate(env.Ctx, token)
		if err != nil {
			return err
		}
		return p.WaitTouch()
	}
	env.Clock.Advance(20 * time.Minute)
	if err := authenticate(); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(20 * time.Minute)
	if err := authenticate(); err != nil {
		t.Fatalf("touched session expired: %v", err)
	}
	env.Clock.Advance(31 * time.Minute)
	if err := authenticate(); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("idle session: %v", err)
	}
}

// TestTokenNamesItsAdmin: the token carries its admin's id, so one read
// finds session and admin; a token whose admin part disagrees with the
// stored session is refused, and so is an edited admin part.
func TestTokenNamesItsAdmin(t *testing.T) {
	env := apptest.New(t)
	svc := env.Deps.Sessions
	token := env.SessionFor("admin@acme.example")
	name, random, ok := strings.Cut(token, ".")
	if !ok || len(random) != 43 {
		t.Fatalf("token %q has no admin part and 256-bit secret", token)
	}
	if id, err := base64.RawURLEncoding.DecodeString(name); err != nil || string(id) != "acme-admin" {
		t.Fatalf("admin part %q: %v", id, err)
	}
	// The same secret under another admin's name hashes to no session.
	owner := base64.RawURLEncoding.EncodeToString([]byte("acme-owner"))
	if _, err := svc.Authenticate(env.Ctx, owner+"."+random); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("edited admin part: %v", err)
	}
	// A session stored under a token naming the Owner, but belonging to
	// acme-admin, must not authenticate as either.
	forged := owner + "." + strings.Repeat("A", 43)
	_, sess, err := session.New(nil, env.Admin("admin@acme.example"), domain.FactorSMS, env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess.TokenHash = secret.Hash(forged)
	if err := env.Deps.Store.PutSession(env.Ctx, sess); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Authenticate(env.Ctx, forged); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("admin part other than the session's admin_id: %+v %v", p, err)
	}
	for _, bad := range []string{random, "." + random, "!!." + random, name + "." + random[:42], name + "." + random + "A"} {
		if _, err := svc.Authenticate(env.Ctx, bad); !errors.Is(err, domain.ErrNotAuthenticated) {
			t.Fatalf("malformed token %q: %v", bad, err)
		}
	}
}

// TestAuthenticateIsOneRoundTrip pins session authentication at one
// DynamoDB round trip, and the minute's touch at one more, issued beside
// the request rather than before it (its outcome on Touch).
func TestAuthenticateIsOneRoundTrip(t *testing.T) {
	env := apptest.New(t)
	d, db := env.CountingDeps()
	token := env.SessionFor("admin@acme.example")
	var p *domain.Principal
	var err error
	if n := db.Measure(func() { p, err = d.Sessions.Authenticate(env.Ctx, token) }); n != 1 || err != nil || p.Touch != nil {
		t.Fatalf("authenticate: %d round trips, touch %v, %v", n, p.Touch != nil, err)
	}
	env.Clock.Advance(2 * time.Minute)
	n := db.Measure(func() {
		if p, err = d.Sessions.Authenticate(env.Ctx, token); err == nil {
			if p.Touch == nil {
				t.Error("a session unused for two minutes was not touched")
			}
			err = p.WaitTouch()
		}
	})
	if n != 2 || err != nil {
		t.Fatalf("authenticate with touch: %d round trips, %v", n, err)
	}
}

// TestTouchNeverUndoesLogout: the concurrent last_seen_at write conditions
// on the session existing, so a logout that lands between the read and
// the write stays done (the write reports 40101, and the router keeps the
// answer it had).
func TestTouchNeverUndoesLogout(t *testing.T) {
	env := apptest.New(t)
	admin := env.Admin("admin@acme.example")
	for range 20 {
		token := env.SessionFor("admin@acme.example")
		env.Clock.Advance(2 * time.Minute)
		p, err := env.Deps.Sessions.Authenticate(env.Ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := env.Deps.Store.EndSession(env.Ctx, p.TokenHash, domain.NewAuditEvent(domain.AuditEvent{ID: secretID(t), Time: env.Clock.Now(),
				AccountID: admin.AccountID, ActorID: admin.ID, Action: domain.ActionLogout, Outcome: domain.OutcomeSuccess})); err != nil {
				t.Error(err)
			}
		})
		if err := p.WaitTouch(); err != nil && !errors.Is(err, domain.ErrNotAuthenticated) {
			t.Fatal(err)
		}
		wg.Wait()
		if _, err := env.Deps.Sessions.Authenticate(env.Ctx, token); !errors.Is(err, domain.ErrNotAuthenticated) {
			t.Fatalf("the touch brought a logged-out session back: %v", err)
		}
		// Not even a fragment of the item may be written back.
		res, err := env.AWS.DynamoDB.GetItem(env.Ctx, &dynamodb.GetItemInput{TableName: aws.String(env.Deps.Config.TableName),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "SESSION#" + p.TokenHash},
				"SK": &types.AttributeValueMemberS{Value: "#SESSION"}}, ConsistentRead: aws.Bool(true)})
		if err != nil || res.Item != nil {
			t.Fatalf("session item after logout and touch: %v %v", res.Item, err)
		}
	}
}

func secretID(t *testing.T) string {
	id, err := secret.ID(nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLockedAdminSessionRefused(t *testing.T) {
	env := apptest.New(t)
	token := env.SessionFor("admin@acme.example")
	if err := env.Deps.Store.SetAdminStatus(env.Ctx, "acme-admin", domain.AdminLocked); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Deps.Sessions.Authenticate(env.Ctx, token); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("locked admin kept a working session: %v", err)
	}
}

func TestNewRefusesAnAdminIDTooLongForAToken(t *testing.T) {
	if _, _, err := session.New(nil, &domain.Admin{ID: strings.Repeat("x", 200)}, domain.FactorSMS, time.Now()); err == nil {
		t.Fatal("a token longer than Authenticate accepts was issued")
	}
}
