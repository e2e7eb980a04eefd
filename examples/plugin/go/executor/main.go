// Command executor is an echo model provider and executor plugin ("executor-go"). It
// answers OpenAI chat-completions requests for the model example-echo-go with the text of
// the last user message, optionally prefixed by the config key `prefix`, and streams the
// same reply word by word through host.stream.emit. It matches the C and Rust echo
// examples in every JSON shape.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/executor-go.so ./executor
package main

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

func init() { cliproxy.Serve(&echo{}) }

const (
	provider = "echo-go"
	modelID  = "example-echo-go"
	replyID  = "chatcmpl-echo-go"
	version  = "0.1.0"
	format   = "chat-completions" // OpenAI chat completions, in and out
)

// echo is the plugin. Calls arrive concurrently, so its state is an atomic (prefix,
// replaced by plugin.reconfigure at any time) and a WaitGroup of stream goroutines.
type echo struct {
	prefix  atomic.Pointer[string]
	streams sync.WaitGroup
}

func (e *echo) Handle(method string, request []byte) (any, error) {
	switch method {
	case cliproxy.MethodPluginRegister, cliproxy.MethodPluginReconfigure:
		return e.register(request)
	case cliproxy.MethodModelStatic, cliproxy.MethodModelForAuth:
		return models(), nil
	case cliproxy.MethodExecutorIdentifier:
		return cliproxy.IdentifierResponse{Identifier: provider}, nil
	case cliproxy.MethodExecutorExecute:
		return e.execute(request)
	case cliproxy.MethodExecutorCountTokens:
		return countTokens(request)
	case cliproxy.MethodExecutorExecuteStream:
		return e.executeStream(request)
	}
	return nil, cliproxy.UnknownMethod(method)
}

// Shutdown waits for stream goroutines, which call the host until they have closed their
// stream; the host table must outlive them.
func (e *echo) Shutdown() { e.streams.Wait() }

func (e *echo) register(request []byte) (any, error) {
	var req cliproxy.LifecycleRequest
	if err := cliproxy.DecodeRequest(request, "lifecycle request", &req); err != nil {
		return nil, err
	}
	prefix := cliproxy.ConfigValue(string(req.ConfigYAML), "prefix")
	e.prefix.Store(&prefix)
	return cliproxy.Registration{
		SchemaVersion: cliproxy.SchemaVersion,
		Metadata: cliproxy.Metadata{
			Name:             "executor-go",
			Version:          version,
			Author:           "cliproxy examples",
			GitHubRepository: "https://github.com/cliproxy/cliproxy",
			ConfigFields: []cliproxy.ConfigField{{
				Name:        "prefix",
				Type:        "string",
				Description: "Text put before every echoed reply.",
			}},
		},
		Capabilities: cliproxy.Capabilities{
			ModelProvider:         true,
			Executor:              true,
			ExecutorModelScope:    "both",
			ExecutorInputFormats:  []string{format},
			ExecutorOutputFormats: []string{format},
		},
	}, nil
}

func (e *echo) currentPrefix() string {
	if p := e.prefix.Load(); p != nil {
		return *p
	}
	return ""
}

func models() cliproxy.ModelResponse {
	return cliproxy.ModelResponse{
		Provider: provider,
		Models: []cliproxy.ModelInfo{{
			ID:                         modelID,
			Object:                     "model",
			Created:                    1700000000,
			OwnedBy:                    "cliproxy-examples",
			Type:                       "echo",
			DisplayName:                "Echo (Go)",
			Name:                       modelID,
			Version:                    version,
			Description:                "Echoes the last user message.",
			SupportedGenerationMethods: []string{"chat"},
			ContextLength:              8192,
			MaxCompletionTokens:        1024,
		}},
	}
}

// decode reads an executor request and the text of its last user message, or returns the
// 400 error the host should get.
func decode(request []byte) (cliproxy.ExecutorRequest, string, error) {
	var req cliproxy.ExecutorRequest
	if err := cliproxy.DecodeRequest(request, "executor request", &req); err != nil {
		return req, "", err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(req.Payload, &body); err != nil || body == nil {
		return req, "", cliproxy.InvalidRequest("payload is not a JSON object")
	}
	return req, lastUserText(body["messages"]), nil
}

// lastUserText returns the content of the last message whose role is "user". Malformed
// messages (and a missing or non-array "messages") are skipped, not rejected.
func lastUserText(messages json.RawMessage) string {
	var list []json.RawMessage
	if json.Unmarshal(messages, &list) != nil {
		return ""
	}
	for i := len(list) - 1; i >= 0; i-- {
		var msg map[string]json.RawMessage // a map: keys match exactly, unlike struct fields
		if json.Unmarshal(list[i], &msg) != nil {
			continue
		}
		var role string
		if json.Unmarshal(msg["role"], &role) == nil && role == "user" {
			return cliproxy.MessageText(msg["content"])
		}
	}
	return ""
}

// usageOf counts whitespace-separated words; the echo has no tokenizer.
func usageOf(text string) cliproxy.ChatUsage {
	w := len(strings.Fields(text))
	return cliproxy.ChatUsage{PromptTokens: w, CompletionTokens: w, TotalTokens: 2 * w}
}

func jsonHeaders() map[string][]string {
	return map[string][]string{"Content-Type": {"application/json"}}
}

func (e *echo) execute(request []byte) (any, error) {
	req, text, err := decode(request)
	if err != nil {
		return nil, err
	}
	reply := e.currentPrefix() + text
	payload, err := cliproxy.EncodeJSON(cliproxy.ChatCompletion{
		ID:      replyID,
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   req.Model,
		Choices: []cliproxy.ChatChoice{{Message: cliproxy.ChatMessage{Role: "assistant", Content: reply}, FinishReason: "stop"}},
		Usage:   usageOf(reply),
	})
	if err != nil {
		return nil, err
	}
	return cliproxy.ExecutorResponse{Payload: payload, Headers: jsonHeaders()}, nil
}

func countTokens(request []byte) (any, error) {
	_, text, err := decode(request)
	if err != nil {
		return nil, err
	}
	payload, err := cliproxy.EncodeJSON(map[string]int{"input_tokens": len(strings.Fields(text))})
	if err != nil {
		return nil, err
	}
	return cliproxy.ExecutorResponse{Payload: payload}, nil
}

// streamChunks renders the whole stream up front, so that encoding errors surface in the
// call's envelope and the goroutine only has to deliver bytes.
func streamChunks(model, reply string) ([][]byte, error) {
	created := time.Now().Unix()
	words := strings.Fields(reply)
	if len(words) == 0 {
		words = []string{""}
	}
	frame := func(d cliproxy.ChatDelta, finish *string, u *cliproxy.ChatUsage) ([]byte, error) {
		return cliproxy.EncodeJSON(cliproxy.ChatCompletionChunk{
			ID: replyID, Object: "chat.completion.chunk", Created: created, Model: model,
			Choices: []cliproxy.ChatChunkChoice{{Delta: d, FinishReason: finish}},
			Usage:   u,
		})
	}
	out := make([][]byte, 0, len(words)+1)
	for i, word := range words {
		content := word
		if i > 0 {
			content = " " + word
		}
		d := cliproxy.ChatDelta{Content: &content}
		if i == 0 {
			d.Role = "assistant"
		}
		b, err := frame(d, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	stop, u := "stop", usageOf(reply)
	b, err := frame(cliproxy.ChatDelta{}, &stop, &u)
	if err != nil {
		return nil, err
	}
	return append(out, b), nil
}

// executeStream answers in asynchronous mode: it validates the request, returns only the
// headers, and a goroutine pushes the chunks with host.stream.emit and then closes the
// stream, also when an emit fails because the client went away.
func (e *echo) executeStream(request []byte) (any, error) {
	req, text, err := decode(request)
	if err != nil {
		return nil, err
	}
	if req.StreamID == "" {
		return nil, cliproxy.InvalidRequest("stream_id is required")
	}
	chunks, err := streamChunks(req.Model, e.currentPrefix()+text)
	if err != nil {
		return nil, err
	}
	e.streams.Go(func() {
		defer func() { _ = cliproxy.CloseStream(req.StreamID, "") }()
		for _, c := range chunks {
			if cliproxy.EmitStream(req.StreamID, c) != nil {
				return
			}
		}
	})
	return cliproxy.ExecutorStreamResponse{
		Headers: map[string][]string{"Content-Type": {"text/event-stream"}},
	}, nil
}
