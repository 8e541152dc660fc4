package tablespec_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/internal/testenv"
	"push-reactivation/shared/tablespec"
)

// TestCreateOnEmbeddedServer: the template's table is created on minidyn,
// which lacks UpdateTimeToLive; that is reported, not fatal. Creating it
// again is harmless.
func TestCreateOnEmbeddedServer(t *testing.T) {
	client, _ := testenv.StartDynamoDB(t) // creates "push-reactivation"
	spec, err := tablespec.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	ttl, err := spec.Create(t.Context(), client, "second")
	if err != nil || ttl {
		t.Fatalf("ttl=%v err=%v", ttl, err)
	}
	if _, err := spec.Create(t.Context(), client, "second"); err != nil {
		t.Fatalf("second create: %v", err)
	}
	out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String("second")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Table.GlobalSecondaryIndexes) != 1 || len(out.Table.KeySchema) != 2 {
		t.Fatalf("%+v", out.Table)
	}
}
