package cliproxy

import (
	"fmt"
	"net/textproto"
	"strings"
	"sync/atomic"
)

// Metadata shared by the capability examples (examples/plugin/README.md).
const (
	ExampleVersion    = "0.1.0"
	ExampleAuthor     = "cliproxy examples"
	ExampleRepository = "https://github.com/cliproxy/cliproxy"
)

// Method answers one RPC method of an Example. cfg is the config of the latest
// plugin.register or plugin.reconfigure ("" before the first one), so a method that reads
// its settings from cfg on every call always sees the current ones.
type Method func(cfg Config, request []byte) (any, error)

// Example is the Handler of the capability examples, which differ only in their
// capabilities and methods. It answers plugin.register and plugin.reconfigure with the
// examples' metadata and the declared capabilities, keeps that call's config, and passes
// it with the request to the entry of Methods named by every other call; methods without
// an entry get UnknownMethod.
//
// The config is swapped atomically, so an Example serves the host's concurrent calls; a
// plugin with more state (counters, paths) keeps it in its own fields, guarded likewise.
// Use it by pointer: cliproxy.Serve(&cliproxy.Example{...}).
type Example struct {
	Name         string        // metadata Name: "<capability>-go"
	ConfigFields []ConfigField // the config keys, documented for the management UI
	// Capabilities returns what to declare for a config; most examples ignore cfg.
	Capabilities func(cfg Config) Capabilities
	Methods      map[string]Method

	config atomic.Pointer[Config]
}

// Handle implements Handler.
func (e *Example) Handle(method string, request []byte) (any, error) {
	switch method {
	case MethodPluginRegister, MethodPluginReconfigure:
		return e.register(request)
	}
	if m, ok := e.Methods[method]; ok {
		return m(e.Config(), request)
	}
	return nil, UnknownMethod(method)
}

// Config returns the config of the latest plugin.register or plugin.reconfigure.
func (e *Example) Config() Config {
	if c := e.config.Load(); c != nil {
		return *c
	}
	return ""
}

// register stores the new config before answering, so that calls the host makes after
// the reply already see it. Capabilities are declared from the same config.
func (e *Example) register(request []byte) (any, error) {
	var req LifecycleRequest
	if err := DecodeRequest(request, "lifecycle request", &req); err != nil {
		return nil, err
	}
	cfg := Config(req.ConfigYAML)
	e.config.Store(&cfg)
	var caps Capabilities
	if e.Capabilities != nil {
		caps = e.Capabilities(cfg)
	}
	return Registration{
		SchemaVersion: SchemaVersion,
		Metadata: Metadata{
			Name:             e.Name,
			Version:          ExampleVersion,
			Author:           ExampleAuthor,
			GitHubRepository: ExampleRepository,
			ConfigFields:     e.ConfigFields,
		},
		Capabilities: caps,
	}, nil
}

// Decoded turns a handler of a typed request into a Method: the JSON request is decoded
// into a Req first, and one that does not decode is answered with a 400 invalid_request
// naming the type, without calling f.
func Decoded[Req any](f func(cfg Config, req Req) (any, error)) Method {
	return func(cfg Config, request []byte) (any, error) {
		var req Req
		if err := DecodeRequest(request, fmt.Sprintf("%T", req), &req); err != nil {
			return nil, err
		}
		return f(cfg, req)
	}
}

// Identifier is the Method of the *.identifier calls: a constant, because the host asks
// often and expects the same answer every time.
func Identifier(id string) Method {
	reply := IdentifierResponse{Identifier: id}
	return func(Config, []byte) (any, error) { return reply, nil }
}

// FirstHeader returns the first value of the header name, or "". The host sends
// canonical keys (X-Example-Route), which are tried first; other spellings are matched
// case-insensitively, as HTTP header names compare.
func FirstHeader(headers map[string][]string, name string) string {
	if values := headers[textproto.CanonicalMIMEHeaderKey(name)]; len(values) > 0 {
		return values[0]
	}
	for key, values := range headers {
		if strings.EqualFold(key, name) && len(values) > 0 {
			return values[0]
		}
	}
	return ""
}
