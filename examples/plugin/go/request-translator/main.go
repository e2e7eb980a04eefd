// Command request-translator is the "request-translator-go" example. It defines the
// plain-text request format text-go: request.translate turns an openai request into the
// text of its last message, and its executor (provider text-go, model text-model-go,
// input text-go, output openai) answers with the text it read. A client asking for
// text-model-go thus goes openai -> text-go (this translator) -> executor -> openai.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/request-translator-go.so ./request-translator
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "request-translator-go"
	format       = "text-go" // the format, the executor's provider and its identifier
	completionID = "chatcmpl-" + name
)

func init() {
	execute, executeStream := cliproxy.TextExecutor(completionID, answer)
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{
				RequestTranslator:     true,
				Executor:              true,
				ModelProvider:         true,
				ExecutorModelScope:    "static",
				ExecutorInputFormats:  []string{format},
				ExecutorOutputFormats: []string{"openai"},
			}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodExecutorIdentifier:    cliproxy.Identifier(format),
			cliproxy.MethodModelStatic:           staticModels,
			cliproxy.MethodRequestTranslate:      cliproxy.Decoded(translate),
			cliproxy.MethodExecutorExecute:       execute,
			cliproxy.MethodExecutorExecuteStream: executeStream,
		},
	})
}

func staticModels(cliproxy.Config, []byte) (any, error) {
	return cliproxy.ModelResponse{
		Provider: format,
		Models:   []cliproxy.ModelInfo{{ID: "text-model-go", Object: "model", OwnedBy: name}},
	}, nil
}

// translate handles openai -> text-go only and declines everything else with an empty
// reply: the host offers translators every pair it has no native translator for,
// including same-format ones, and takes the first non-empty body.
func translate(_ cliproxy.Config, req cliproxy.RequestTransformRequest) (any, error) {
	if req.FromFormat != "openai" || req.ToFormat != format {
		return cliproxy.PayloadResponse{}, nil
	}
	text, ok := cliproxy.LastMessageText(req.Body)
	if !ok {
		return cliproxy.PayloadResponse{}, nil
	}
	return cliproxy.PayloadResponse{Body: []byte(text)}, nil
}

// answer reads the payload as text-go: plain UTF-8 text, not JSON.
func answer(req cliproxy.ExecutorRequest) (string, error) {
	return "text-go executor read: " + string(req.Payload), nil
}
