// Command request-lifecycle is the "request-lifecycle-go" example: for every finished
// request (request.complete) it appends one JSON line to the file named by config `file`
// (nothing when unset).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/request-lifecycle-go.so ./request-lifecycle
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

const name = "request-lifecycle-go"

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "file", Type: "string", Description: "File that gets one JSON line per finished request."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{RequestLifecyclePlugin: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodRequestComplete: cliproxy.Decoded(complete),
		},
	})
}

// completionLine is one line of the file, keys in this order.
type completionLine struct {
	Plugin         string `json:"plugin"`
	RequestID      string `json:"request_id"`
	Model          string `json:"model"`
	RequestedModel string `json:"requested_model"`
	Stream         bool   `json:"stream"`
	Outcome        string `json:"outcome"`
	Status         int    `json:"status"`
	Error          string `json:"error"`
}

// complete records the request. The host ignores the reply and only logs an error, and
// calls arrive concurrently (one goroutine per event), which AppendJSONLine allows.
func complete(cfg cliproxy.Config, req cliproxy.RequestCompletion) (any, error) {
	file := cfg.Value("file", "")
	if file == "" {
		return nil, nil
	}
	return nil, cliproxy.AppendJSONLine(file, completionLine{
		Plugin:         name,
		RequestID:      req.RequestID,
		Model:          req.Model,
		RequestedModel: req.RequestedModel,
		Stream:         req.Stream,
		Outcome:        req.Outcome,
		Status:         req.StatusCode,
		Error:          req.Error,
	})
}
