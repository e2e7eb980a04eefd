// Command host-model-callback is the "host-model-callback-go" example: a management
// resource page, /v0/resource/plugins/<plugin id>/stream, that runs a nested streaming
// chat request through the host and reports what came back:
//
//	GET .../stream?text=a%20b%20c            asks config `model` (default example-echo-go)
//	GET .../stream?text=a%20b%20c&leave-open=1   the same, without host.model.stream_close
//
// It starts the run with host.model.execute_stream, reads every chunk with
// host.model.stream_read, and closes the stream with host.model.stream_close, unless
// leave-open=1: then the host closes it when the page request's host_callback_id scope
// ends ("implicit close"). The reply is
//
//	{"stream_id":..,"chunks":<payloads read>,"text":<the deltas' content>,"error":<of the final read>,"closed":<stream_close called>}
//
// or 502 {"error":..} when the run could not start.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/host-model-callback-go.so ./host-model-callback
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "host-model-callback-go"
	resource     = "/stream"
	defaultModel = "example-echo-go"
	defaultText  = "one two three"
	maxReads     = 10000 // a stream that never ends must not hold the page forever
)

func init() {
	p := &plugin{call: cliproxy.HostCall}
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "model", Type: "string", Description: "Model asked with host.model.execute_stream (default " + defaultModel + ")."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ManagementAPI: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodManagementRegister: cliproxy.Decoded(p.register),
			cliproxy.MethodManagementHandle:   cliproxy.Decoded(p.handle),
		},
	})
}

// plugin calls the host through call (cliproxy.HostCall; a fake in the tests).
type plugin struct {
	call      cliproxy.HostCaller
	resources cliproxy.ResourceBase
}

func (p *plugin) register(_ cliproxy.Config, req cliproxy.ManagementRegistrationRequest) (any, error) {
	p.resources.Set(req.ResourceBasePath)
	return cliproxy.ManagementRegistrationResponse{
		Routes: []cliproxy.ManagementRoute{},
		Resources: []cliproxy.ResourceRoute{
			{Path: resource, Menu: "Nested model stream (go)", Description: "streams a nested model run"},
		},
	}, nil
}

// result is the JSON body of the page.
type result struct {
	StreamID string `json:"stream_id"`
	Chunks   int    `json:"chunks"`
	Text     string `json:"text"`
	Error    string `json:"error"`
	Closed   bool   `json:"closed"`
}

type failure struct {
	Error string `json:"error"`
}

func (p *plugin) handle(cfg cliproxy.Config, req cliproxy.ManagementRequest) (any, error) {
	if req.Method != http.MethodGet || !p.resources.Is(req.Path, resource) {
		return cliproxy.NotFound(), nil
	}
	model := cfg.Value("model", defaultModel)
	text := firstQuery(req.Query, "text", defaultText)
	body, err := cliproxy.EncodeJSON(cliproxy.ChatRequest{
		Model:    model,
		Stream:   true,
		Messages: []cliproxy.ChatMessage{{Role: "user", Content: text}},
	})
	if err != nil {
		return nil, err
	}
	stream, err := p.call.ModelExecuteStream(cliproxy.HostModelRequest{
		EntryProtocol:  "openai",
		Model:          model,
		Body:           body,
		HostCallbackID: req.HostCallbackID,
	})
	if err != nil {
		return cliproxy.EncodeJSONResponse(http.StatusBadGateway, failure{Error: cliproxy.ErrorMessage(err)})
	}

	res := p.drain(stream.StreamID)
	if firstQuery(req.Query, "leave-open", "") != "1" {
		res.Closed = true
		if err := p.call.ModelStreamClose(stream.StreamID); err != nil && res.Error == "" {
			res.Error = cliproxy.ErrorMessage(err)
		}
	}
	return cliproxy.EncodeJSONResponse(http.StatusOK, res)
}

// drain reads the stream to its end (at most maxReads reads), counting the payloads and
// joining their delta content. Error is the final read's error, or the failure of the
// read call itself.
func (p *plugin) drain(streamID string) result {
	res := result{StreamID: streamID}
	var text strings.Builder
	for range maxReads {
		chunk, err := p.call.ModelStreamRead(streamID)
		if err != nil {
			res.Error = cliproxy.ErrorMessage(err)
			break
		}
		if len(chunk.Payload) > 0 {
			res.Chunks++
			text.WriteString(deltaContent(chunk.Payload))
		}
		if chunk.Done {
			res.Error = chunk.Error
			res.Text = text.String()
			return res
		}
	}
	if res.Error == "" {
		res.Error = fmt.Sprintf("stream %s did not end within %d reads", streamID, maxReads)
	}
	res.Text = text.String()
	return res
}

// deltaContent is the delta content of every choice of one chat.completion.chunk, or ""
// for a payload that is not one.
func deltaContent(payload []byte) string {
	var chunk cliproxy.ChatCompletionChunk
	if json.Unmarshal(payload, &chunk) != nil {
		return ""
	}
	var out strings.Builder
	for _, c := range chunk.Choices {
		if c.Delta.Content != nil {
			out.WriteString(*c.Delta.Content)
		}
	}
	return out.String()
}

// firstQuery is the first value of the query parameter key, or fallback when it is
// missing or empty.
func firstQuery(query map[string][]string, key, fallback string) string {
	if values := query[key]; len(values) > 0 && values[0] != "" {
		return values[0]
	}
	return fallback
}
