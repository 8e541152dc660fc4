// Package tablespec reads the DynamoDB table definition from template.yaml
// (with goformation) and creates that table on any endpoint. The key
// schema lives in the template alone: tests, the local stack and adminctl
// all build their table from it.
package tablespec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
)

// LogicalID is the template's logical id of the table.
const LogicalID = "Table"

// Spec is the table as the template defines it.
type Spec struct {
	Table *cfndynamodb.Table
}

// Load parses the SAM template at path and returns its table.
func Load(path string) (*Spec, error) {
	tmpl, err := OpenTemplate(path, nil)
	if err != nil {
		return nil, fmt.Errorf("tablespec: parse %s: %w", path, err)
	}
	table, err := tmpl.GetDynamoDBTableWithName(LogicalID)
	if err != nil {
		return nil, fmt.Errorf("tablespec: %s has no %s table: %w", path, LogicalID, err)
	}
	return &Spec{Table: table}, nil
}

// FindTemplate walks up from dir to the folder that holds go.mod and
// returns its template.yaml, so tests in any package find the one template.
func FindTemplate(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "template.yaml")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("tablespec: %w", err)
			}
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("tablespec: no go.mod above " + dir)
		}
	}
}

// LoadDefault loads the project's template.yaml, found from the working
// directory.
func LoadDefault() (*Spec, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	p, err := FindTemplate(wd)
	if err != nil {
		return nil, err
	}
	return Load(p)
}

// TTLAttribute is the attribute DynamoDB's TTL reads, or "" if none.
func (s *Spec) TTLAttribute() string {
	if s.Table.TimeToLiveSpecification == nil || s.Table.TimeToLiveSpecification.AttributeName == nil {
		return ""
	}
	return *s.Table.TimeToLiveSpecification.AttributeName
}

// CreateTableInput converts the template's table into a CreateTable call
// for the table name given (the template leaves naming to CloudFormation).
func (s *Spec) CreateTableInput(name string) *dynamodb.CreateTableInput {
	t := s.Table
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.KeySchema),
	}
	for _, a := range t.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, g := range t.GlobalSecondaryIndexes {
		proj := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		if g.Projection.ProjectionType != nil {
			proj.ProjectionType = types.ProjectionType(*g.Projection.ProjectionType)
		}
		proj.NonKeyAttributes = g.Projection.NonKeyAttributes
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(g.IndexName),
			KeySchema:  keySchema(g.KeySchema),
			Projection: proj,
		})
	}
	if t.BillingMode != nil && *t.BillingMode == "PROVISIONED" {
		in.BillingMode = types.BillingModeProvisioned
	}
	return in
}

func keySchema(ks []cfndynamodb.Table_KeySchema) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	return out
}

// API is the part of the DynamoDB client that Create needs.
type API interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// Create creates the table called name and enables its TTL. An endpoint
// that does not know UpdateTimeToLive (the embedded minidyn server) is not
// an error: TTL only cleans up, every read checks expiry itself, so
// ttlEnabled is false and the caller may say so. A table that already
// exists is left as it is.
func (s *Spec) Create(ctx context.Context, api API, name string) (ttlEnabled bool, err error) {
	if _, err := api.CreateTable(ctx, s.CreateTableInput(name)); err != nil {
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			return false, fmt.Errorf("tablespec: create table %s: %w", name, err)
		}
	}
	attr := s.TTLAttribute()
	if attr == "" {
		return false, nil
	}
	_, err = api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
	})
	if err != nil {
		if unsupportedOperation(err) {
			return false, nil
		}
		// Enabling TTL twice is a ValidationException on AWS; that is fine.
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && strings.Contains(apiErr.ErrorMessage(), "already enabled") {
			return true, nil
		}
		return false, fmt.Errorf("tablespec: enable TTL on %s: %w", name, err)
	}
	return true, nil
}

// unsupportedOperation recognises minidyn's answer to an operation it does
// not implement: HTTP 400 with the plain-text body "unsupported operation",
// which the SDK cannot decode as a JSON error, so it surfaces as a
// deserialization error on a 400 response. Real DynamoDB always answers
// with a JSON error body, so this never hides an AWS error.
func unsupportedOperation(err error) bool {
	var de *smithy.DeserializationError
	var re *awshttp.ResponseError
	return errors.As(err, &de) && errors.As(err, &re) && re.HTTPStatusCode() == 400
}
