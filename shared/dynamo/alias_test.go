//go:build !fuzz

package dynamo_test

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

type (
	dtypesAV = types.AttributeValue
	dtypesS  = types.AttributeValueMemberS
)
