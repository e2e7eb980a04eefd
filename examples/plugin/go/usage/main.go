// Command usage is the "usage-go" example: for every usage record (usage.handle) it
// appends one JSON line to the file named by config `file` (nothing when unset).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/usage-go.so ./usage
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

const name = "usage-go"

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "file", Type: "string", Description: "File that gets one JSON line per usage record."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{UsagePlugin: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodUsageHandle: cliproxy.Decoded(handle),
		},
	})
}

// usageLine is one line of the file, keys in this order.
type usageLine struct {
	Plugin       string `json:"plugin"`
	Provider     string `json:"provider"`
	Model        string `json:"model"`
	APIKey       string `json:"api_key"`
	AuthID       string `json:"auth_id"`
	Failed       bool   `json:"failed"`
	InputTokens  int64  `json:"input_tokens"`
	OutputTokens int64  `json:"output_tokens"`
	TotalTokens  int64  `json:"total_tokens"`
	LatencyNS    int64  `json:"latency_ns"`
}

// handle records the usage; the host ignores the reply and any error.
func handle(cfg cliproxy.Config, rec cliproxy.UsageRecord) (any, error) {
	file := cfg.Value("file", "")
	if file == "" {
		return nil, nil
	}
	return nil, cliproxy.AppendJSONLine(file, usageLine{
		Plugin:       name,
		Provider:     rec.Provider,
		Model:        rec.Model,
		APIKey:       rec.APIKey,
		AuthID:       rec.AuthID,
		Failed:       rec.Failed,
		InputTokens:  rec.Detail.InputTokens,
		OutputTokens: rec.Detail.OutputTokens,
		TotalTokens:  rec.Detail.TotalTokens,
		LatencyNS:    rec.Latency.Nanoseconds(),
	})
}
