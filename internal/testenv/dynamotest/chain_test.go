package dynamotest_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/dynamo"
)

// gate holds each GetItem, named by its PK, until the test releases it,
// then passes it on to the real embedded DynamoDB: the test decides which
// calls overlap, the calls themselves are real.
type gate struct {
	dynamo.API
	started chan string
	mu      sync.Mutex
	release map[string]chan struct{}
}

func (g *gate) hold(pk string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.release[pk] == nil {
		g.release[pk] = make(chan struct{})
	}
	return g.release[pk]
}

func (g *gate) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	pk := in.Key["PK"].(*types.AttributeValueMemberS).Value
	wait := g.hold(pk)
	g.started <- pk
	<-wait
	return g.API.GetItem(ctx, in, o...)
}

// chainFixture is a CountingAPI in front of the gate, in front of a real
// embedded DynamoDB.
type chainFixture struct {
	t     *testing.T
	g     *gate
	db    *dynamotest.CountingAPI
	table string
	done  map[string]chan struct{}
}

func newChainFixture(t *testing.T) *chainFixture {
	client, table := testenv.StartDynamoDB(t)
	g := &gate{API: client, started: make(chan string), release: map[string]chan struct{}{}}
	return &chainFixture{t: t, g: g, db: dynamotest.NewCountingAPI(g), table: table, done: map[string]chan struct{}{}}
}

// begin issues GetItem pk in its own goroutine and waits until the call
// has reached the gate (counted, in flight).
func (f *chainFixture) begin(pk string) {
	done := make(chan struct{})
	f.done[pk] = done
	go func() {
		defer close(done)
		_, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.table),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "#X"}}})
		if err != nil {
			f.t.Errorf("GetItem %s: %v", pk, err)
		}
	}()
	if got := <-f.g.started; got != pk {
		f.t.Fatalf("started %s, want %s", got, pk)
	}
}

// answer lets pk's call through and waits for its answer.
func (f *chainFixture) answer(pk string) {
	close(f.g.hold(pk))
	<-f.done[pk]
}

// call is one call, begun and answered before the next.
func (f *chainFixture) call(pk string) { f.begin(pk); f.answer(pk) }

// TestSequentialCountsConcurrentCallsOnce checks the chain against
// schedules of real calls made from concurrent goroutines, and that the
// call count stays what it was (every call).
func TestSequentialCountsConcurrentCallsOnce(t *testing.T) {
	for _, c := range []struct {
		name     string
		schedule func(f *chainFixture)
		want     dynamotest.Trips
	}{
		{"one after another", func(f *chainFixture) { f.call("a"); f.call("b"); f.call("c") },
			dynamotest.Trips{Calls: 3, Sequential: 3}},
		{"two at once, then one", func(f *chainFixture) {
			f.begin("a")
			f.begin("b")
			f.answer("b")
			f.answer("a")
			f.call("c")
		}, dynamotest.Trips{Calls: 3, Sequential: 2}},
		{"three at once", func(f *chainFixture) {
			f.begin("a")
			f.begin("b")
			f.begin("c")
			f.answer("a")
			f.answer("c")
			f.answer("b")
		}, dynamotest.Trips{Calls: 3, Sequential: 1}},
		// c begins once a has answered, while b is still in flight: c may
		// have waited for a, so a→c is a chain of two.
		{"one begun after the first of two answered", func(f *chainFixture) {
			f.begin("a")
			f.begin("b")
			f.answer("a")
			f.begin("c")
			f.answer("b")
			f.answer("c")
		}, dynamotest.Trips{Calls: 3, Sequential: 2}},
		{"a chain beside a single call", func(f *chainFixture) {
			f.begin("x")
			f.call("a")
			f.call("b")
			f.call("c")
			f.answer("x")
		}, dynamotest.Trips{Calls: 4, Sequential: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newChainFixture(t)
			f.call("warm") // before the measure: not part of it
			got := f.db.MeasureTrips(func() { c.schedule(f) })
			if got != c.want {
				t.Errorf("MeasureTrips = %+v, want %+v", got, c.want)
			}
			if n := f.db.Calls(); n != c.want.Calls+1 {
				t.Errorf("Calls = %d, want %d (every call)", n, c.want.Calls+1)
			}
			f.db.Reset()
			if f.db.Calls() != 0 || f.db.Sequential() != 0 {
				t.Errorf("after Reset: Calls %d, Sequential %d", f.db.Calls(), f.db.Sequential())
			}
			f.call("again")
			if s := f.db.Sequential(); s != 1 {
				t.Errorf("Sequential after Reset and one call = %d, want 1", s)
			}
		})
	}
}

// TestCountingAPICountsEveryMethod fails when dynamo.API gains a method
// that CountingAPI does not declare itself: the embedded interface would
// pass it on uncounted, and a round trip would go missing from every
// figure.
func TestCountingAPICountsEveryMethod(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "dynamotest.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
			continue
		}
		if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
			if id, ok := star.X.(*ast.Ident); ok && id.Name == "CountingAPI" {
				declared = append(declared, fn.Name.Name)
			}
		}
	}
	api := reflect.TypeFor[dynamo.API]()
	for i := range api.NumMethod() {
		if name := api.Method(i).Name; !slices.Contains(declared, name) {
			t.Errorf("CountingAPI does not count dynamo.API's %s: declare it in dynamotest.go with defer c.track()()", name)
		}
	}
}
