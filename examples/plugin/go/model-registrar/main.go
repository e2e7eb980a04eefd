// Command model-registrar is the "model-registrar-go" example: model.register lists the
// models of config `models` (comma-separated, default "registered-go") for the provider
// echo-go, which the executor example serves.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/model-registrar-go.so ./model-registrar
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "model-registrar-go",
		ConfigFields: []cliproxy.ConfigField{
			{Name: "models", Type: "string", Description: `Comma-separated model IDs to register (default "registered-go").`},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ModelRegistrar: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodModelRegister: registerModels,
		},
	})
}

// registerModels answers model.register. The request only carries the plugin's own
// metadata, so it is not read.
func registerModels(cfg cliproxy.Config, _ []byte) (any, error) {
	ids := cfg.List("models", "registered-go")
	models := make([]cliproxy.ModelInfo, 0, len(ids))
	for _, id := range ids {
		models = append(models, cliproxy.ModelInfo{
			ID:          id,
			Object:      "model",
			Created:     1700000000,
			OwnedBy:     "model-registrar-go",
			Type:        "openai",
			DisplayName: id,
		})
	}
	return cliproxy.ModelRegistrationResponse{Provider: "echo-go", Models: models}, nil
}
