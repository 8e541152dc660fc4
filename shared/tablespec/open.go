package tablespec

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// OpenTemplate parses the SAM template at path with goformation, like
// goformation.OpenWithOptions, working around where goformation's schema
// departs from SAM's: goformation spells AWS::Serverless::HttpApi's
// AccessLogSettings (SAM's name, which `sam deploy` requires) as
// AccessLogSetting and refuses unknown properties, so the property is
// renamed before parsing and read back as HttpApi.AccessLogSetting.
func OpenTemplate(path string, opts *intrinsics.ProcessorOptions) (*cloudformation.Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Tags (!Ref, !Sub) become their JSON form, unevaluated; the parse
	// below evaluates them with opts.
	j, err := intrinsics.ProcessYAML(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(j, &doc); err != nil {
		return nil, err
	}
	resources, _ := doc["Resources"].(map[string]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		if res["Type"] != "AWS::Serverless::HttpApi" || props == nil {
			continue
		}
		if v, ok := props["AccessLogSettings"]; ok {
			delete(props, "AccessLogSettings")
			props["AccessLogSetting"] = v
		}
	}
	if j, err = json.Marshal(doc); err != nil {
		return nil, fmt.Errorf("tablespec: re-encode %s: %w", path, err)
	}
	return goformation.ParseJSONWithOptions(j, opts)
}
