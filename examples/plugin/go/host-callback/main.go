// Command host-callback is the "host-callback-go" example: a management resource page,
// /v0/resource/plugins/<plugin id>/callbacks, that calls the host three times while it
// is served and reports what each call returned:
//
//   - host.log: one info line, "host-callback-go page requested";
//   - host.http.do: GET config `url` (default http://127.0.0.1:8317/healthz, the proxy's
//     own health check); the page shows the status and the first 200 bytes of the body;
//   - host.model.execute: a nested OpenAI chat request to config `model` (default
//     example-echo-go, served by the executor-go example); the page shows the reply's
//     content.
//
// Every call carries the page request's host_callback_id. A failed call shows
// {"error":<the host's message>} in place of its entry; the page itself always answers 200.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/host-callback-go.so ./host-callback
package main

import (
	"encoding/json"
	"errors"
	"net/http"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "host-callback-go"
	lang         = "go"
	resource     = "/callbacks"
	defaultURL   = "http://127.0.0.1:8317/healthz"
	defaultModel = "example-echo-go"
	bodyPreview  = 200 // bytes of the HTTP body shown on the page
)

func init() {
	p := &plugin{call: cliproxy.HostCall}
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "url", Type: "string", Description: "URL fetched with host.http.do (default " + defaultURL + ")."},
			{Name: "model", Type: "string", Description: "Model asked with host.model.execute (default " + defaultModel + ")."},
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
			{Path: resource, Menu: "Host callbacks (" + lang + ")", Description: "calls host.log, host.http.do and host.model.execute"},
		},
	}, nil
}

func (p *plugin) handle(cfg cliproxy.Config, req cliproxy.ManagementRequest) (any, error) {
	if req.Method != http.MethodGet || !p.resources.Is(req.Path, resource) {
		return cliproxy.NotFound(), nil
	}
	cb := req.HostCallbackID
	return cliproxy.EncodeJSONResponse(http.StatusOK, page{
		Log:   p.log(cb),
		HTTP:  p.fetch(cb, cfg.Value("url", defaultURL)),
		Model: p.ask(cb, cfg.Value("model", defaultModel)),
	})
}

// page is the JSON body of the resource. Each entry is the call's outcome, or a
// failure{Error} when the call failed.
type page struct {
	Log   any `json:"log"` // "ok"
	HTTP  any `json:"http"`
	Model any `json:"model"`
}

type failure struct {
	Error string `json:"error"`
}

type httpOutcome struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

type modelOutcome struct {
	Content string `json:"content"`
}

// outcome is ok, or the failure for err.
func outcome(ok any, err error) any {
	if err != nil {
		return failure{Error: cliproxy.ErrorMessage(err)}
	}
	return ok
}

func (p *plugin) log(cb string) any {
	err := p.call.Log(cliproxy.LogRequest{
		Level:          "info",
		Message:        name + " page requested",
		Fields:         map[string]any{"lang": lang},
		HostCallbackID: cb,
	})
	return outcome("ok", err)
}

// fetch GETs url through the host. Any status is a result; only transport failures are
// errors. The body is cut at bodyPreview bytes (a cut inside a UTF-8 sequence shows as
// U+FFFD, as encoding/json writes invalid UTF-8).
func (p *plugin) fetch(cb, url string) any {
	res, err := p.call.HTTPDo(cliproxy.HostHTTPRequest{
		Method:         http.MethodGet,
		URL:            url,
		Headers:        map[string][]string{"User-Agent": {name}},
		HostCallbackID: cb,
	})
	body := res.Body
	if len(body) > bodyPreview {
		body = body[:bodyPreview]
	}
	return outcome(httpOutcome{Status: res.StatusCode, Body: string(body)}, err)
}

// ask runs a nested chat completion (openai in, openai out) and returns the reply's
// first message content.
func (p *plugin) ask(cb, model string) any {
	body, err := cliproxy.EncodeJSON(cliproxy.ChatRequest{
		Model:    model,
		Messages: []cliproxy.ChatMessage{{Role: "user", Content: "hello from " + name}},
	})
	if err != nil {
		return outcome(nil, err)
	}
	res, err := p.call.ModelExecute(cliproxy.HostModelRequest{
		EntryProtocol:  "openai",
		ExitProtocol:   "openai",
		Model:          model,
		Body:           body,
		HostCallbackID: cb,
	})
	if err != nil {
		return outcome(nil, err)
	}
	content, err := firstContent(res.Body)
	return outcome(modelOutcome{Content: content}, err)
}

// firstContent is choices[0].message.content of an OpenAI chat completion.
func firstContent(body []byte) (string, error) {
	var completion cliproxy.ChatCompletion
	if err := json.Unmarshal(body, &completion); err != nil {
		return "", errors.New("model reply is not a chat completion: " + err.Error())
	}
	if len(completion.Choices) == 0 {
		return "", errors.New("model reply has no choices")
	}
	return completion.Choices[0].Message.Content, nil
}
