// Command model-provider is the "model-provider-go" example: model.static offers the
// model static-go for the provider echo-go, and model.for_auth gives each echo-go
// credential the models named in its file's "models" entry (a JSON array of strings or a
// comma-separated string).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/model-provider-go.so ./model-provider
package main

import (
	"strings"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	provider = "echo-go"
	owner    = "model-provider-go"
)

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: owner,
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ModelProvider: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodModelStatic:  staticModels,
			cliproxy.MethodModelForAuth: cliproxy.Decoded(modelsForAuth),
		},
	})
}

func model(id string) cliproxy.ModelInfo {
	return cliproxy.ModelInfo{ID: id, Object: "model", OwnedBy: owner}
}

func staticModels(cliproxy.Config, []byte) (any, error) {
	return cliproxy.ModelResponse{Provider: provider, Models: []cliproxy.ModelInfo{model("static-go")}}, nil
}

// modelsForAuth answers with an empty provider for credentials of other providers: the
// host then asks the next model provider instead of taking our (empty) list.
func modelsForAuth(_ cliproxy.Config, req cliproxy.AuthModelRequest) (any, error) {
	if req.AuthProvider != provider {
		return cliproxy.ModelResponse{Models: []cliproxy.ModelInfo{}}, nil
	}
	ids := stringList(req.Metadata["models"])
	models := make([]cliproxy.ModelInfo, 0, len(ids))
	for _, id := range ids {
		models = append(models, model(id))
	}
	return cliproxy.ModelResponse{Provider: provider, Models: models}, nil
}

// stringList reads a credential's list entry: a JSON array (non-string items are
// skipped) or a comma-separated string. Entries are trimmed; empty ones are dropped.
func stringList(v any) []string {
	var items []string
	switch v := v.(type) {
	case string:
		items = strings.Split(v, ",")
	case []any:
		for _, item := range v {
			if s, ok := item.(string); ok {
				items = append(items, s)
			}
		}
	}
	out := items[:0]
	for _, item := range items {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
