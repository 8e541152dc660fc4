package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// validUnits are CloudWatch's units (MetricDatum.Unit).
var validUnits = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true,
	"Gigabits": true, "Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true,
	"Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true,
	"Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true,
	"Terabits/Second": true, "Count/Second": true, "None": true,
}

// Sample is one metric value read back from an EMF line.
type Sample struct {
	Namespace  string
	Name       Name
	Value      float64
	Dimensions map[string]string // the root's values of the dimension keys
}

// ParseLine checks that line is a valid EMF document (CloudWatch's
// "Specification: Embedded metric format": a JSON object whose _aws
// member holds a millisecond Timestamp and CloudWatchMetrics directives,
// each with a Namespace, dimension sets of at most 30 keys that name
// string members of the root, and metrics of a CloudWatch unit whose
// values are numbers on the root) and returns its samples. Tests use it
// on every line the emitter wrote.
func ParseLine(line []byte) ([]Sample, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	var meta struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	raw, ok := root["_aws"]
	if !ok {
		return nil, fmt.Errorf("no _aws member")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil || *meta.Timestamp <= 0 {
		return nil, fmt.Errorf("_aws.Timestamp missing")
	}
	if len(meta.CloudWatchMetrics) == 0 {
		return nil, fmt.Errorf("_aws.CloudWatchMetrics is empty")
	}
	var out []Sample
	for _, d := range meta.CloudWatchMetrics {
		if d.Namespace == "" || len(d.Namespace) > 255 {
			return nil, fmt.Errorf("bad Namespace %q", d.Namespace)
		}
		if d.Dimensions == nil || len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return nil, fmt.Errorf("directive needs Dimensions and 1 to 100 Metrics")
		}
		dims := map[string]string{}
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return nil, fmt.Errorf("a dimension set has %d keys", len(set))
			}
			for _, k := range set {
				var v string
				if err := json.Unmarshal(root[k], &v); err != nil || v == "" {
					return nil, fmt.Errorf("dimension %s is not a string member of the root", k)
				}
				dims[k] = v
			}
		}
		for _, m := range d.Metrics {
			if !validUnits[m.Unit] {
				return nil, fmt.Errorf("metric %s: unit %q", m.Name, m.Unit)
			}
			var v float64
			if err := json.Unmarshal(root[m.Name], &v); err != nil {
				return nil, fmt.Errorf("metric %s has no numeric value on the root", m.Name)
			}
			out = append(out, Sample{Namespace: d.Namespace, Name: Name(m.Name), Value: v, Dimensions: dims})
		}
	}
	return out, nil
}
