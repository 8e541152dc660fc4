package sesevents

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// APIHandler is an API router's Handle.
type APIHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Route is the Lambda handler of a function that serves API routes and
// the SES events' SNS subscription: an SNS delivery (Records whose
// EventSource is aws:sns) goes to h, anything else to api as a payload 2.0
// event.
func Route(api APIHandler, h *Handler) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records []struct {
				EventSource string `json:"EventSource"`
			} `json:"Records"`
		}
		if json.Unmarshal(raw, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:sns" {
			var ev events.SNSEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("sesevents: SNS event: %w", err)
			}
			return nil, h.HandleSNS(ctx, ev)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("sesevents: API event: %w", err)
		}
		return api(ctx, ev)
	}
}
