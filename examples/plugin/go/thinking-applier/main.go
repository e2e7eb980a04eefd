// Command thinking-applier is the "thinking-applier-go" example: the thinking applier of
// the format think-go. For a request translated to think-go the host parses the thinking
// settings (model suffix or body fields) and thinking.apply writes them into the body's
// "thinking" object.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/thinking-applier-go.so ./thinking-applier
package main

import (
	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "thinking-applier-go",
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ThinkingApplier: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodThinkingIdentifier: cliproxy.Identifier("think-go"),
			cliproxy.MethodThinkingApply:      cliproxy.Decoded(apply),
		},
	})
}

// thinking is the value of the body's "thinking" key.
type thinking struct {
	Mode      string `json:"mode"`
	Budget    int    `json:"budget"`
	Level     string `json:"level"`
	AppliedBy string `json:"applied_by"`
}

// apply replaces the body's "thinking" (in place, or as a new first key) and keeps every
// other member as it was. It declines bodies that are not JSON objects: the host then
// keeps the body.
func apply(_ cliproxy.Config, req cliproxy.ThinkingApplyRequest) (any, error) {
	body, ok := cliproxy.ParseObject(req.Body)
	if !ok {
		return cliproxy.PayloadResponse{}, nil
	}
	value, err := cliproxy.EncodeJSON(thinking{
		Mode:      req.Config.Mode,
		Budget:    req.Config.Budget,
		Level:     req.Config.Level,
		AppliedBy: "go",
	})
	if err != nil {
		return nil, err
	}
	return cliproxy.PayloadResponse{Body: body.Set("thinking", value).JSON()}, nil
}
