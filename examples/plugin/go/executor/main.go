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
	"bytes"
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
			return contentText(msg["content"])
		}
	}
	return ""
}

// contentText flattens a chat message content: a string, or an array of parts of which
// the {"type":"text","text":...} ones count, joined without separator.
func contentText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []map[string]json.RawMessage
	if json.Unmarshal(content, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, part := range parts {
		var typ, text string
		if json.Unmarshal(part["type"], &typ) == nil && typ == "text" &&
			json.Unmarshal(part["text"], &text) == nil {
			b.WriteString(text)
		}
	}
	return b.String()
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// usageOf counts whitespace-separated words; the echo has no tokenizer.
func usageOf(text string) usage {
	w := len(strings.Fields(text))
	return usage{PromptTokens: w, CompletionTokens: w, TotalTokens: 2 * w}
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type choice struct {
	Index        int     `json:"index"`
	Message      message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   usage    `json:"usage"`
}

// marshal encodes a payload for the client as an upstream API would: unlike json.Marshal
// it leaves <, > and & unescaped (the envelope around it may still escape them).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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
	payload, err := marshal(completion{
		ID:      replyID,
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   req.Model,
		Choices: []choice{{Message: message{Role: "assistant", Content: reply}, FinishReason: "stop"}},
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
	payload, err := marshal(map[string]int{"input_tokens": len(strings.Fields(text))})
	if err != nil {
		return nil, err
	}
	return cliproxy.ExecutorResponse{Payload: payload}, nil
}

type delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type chunkChoice struct {
	Index        int     `json:"index"`
	Delta        delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *usage        `json:"usage,omitempty"`
}

// streamChunks renders the whole stream up front, so that encoding errors surface in the
// call's envelope and the goroutine only has to deliver bytes.
func streamChunks(model, reply string) ([][]byte, error) {
	created := time.Now().Unix()
	words := strings.Fields(reply)
	if len(words) == 0 {
		words = []string{""}
	}
	frame := func(d delta, finish *string, u *usage) ([]byte, error) {
		return marshal(chunk{
			ID: replyID, Object: "chat.completion.chunk", Created: created, Model: model,
			Choices: []chunkChoice{{Delta: d, FinishReason: finish}},
			Usage:   u,
		})
	}
	out := make([][]byte, 0, len(words)+1)
	for i, word := range words {
		content := word
		if i > 0 {
			content = " " + word
		}
		d := delta{Content: &content}
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
	b, err := frame(delta{}, &stop, &u)
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
