// Command request-normalizer is the "request-normalizer-go" example: on requests bound for
// the openai format it appends config `suffix` (default " [normalized by go]") to the
// last message's content, which the echo executor then shows.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/request-normalizer-go.so ./request-normalizer
package main

import (
	"encoding/json"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "request-normalizer-go",
		ConfigFields: []cliproxy.ConfigField{
			{Name: "suffix", Type: "string", Description: `Text appended to the last message (default " [normalized by go]"); quote it to keep a leading space.`},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{RequestNormalizer: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodRequestNormalize: cliproxy.Decoded(normalize),
		},
	})
}

// normalize declines (empty reply, the host keeps its body) for other formats and for
// bodies it cannot change.
func normalize(cfg cliproxy.Config, req cliproxy.RequestTransformRequest) (any, error) {
	if req.ToFormat != "openai" {
		return cliproxy.PayloadResponse{}, nil
	}
	body, ok := appendToLastMessage(req.Body, cfg.Value("suffix", " [normalized by go]"))
	if !ok {
		return cliproxy.PayloadResponse{}, nil
	}
	return cliproxy.PayloadResponse{Body: body}, nil
}

// appendToLastMessage appends suffix to the content of the last element of body's
// "messages", if body is a JSON object and that content is a string. Every other member,
// of the body and of the message, keeps its place and its bytes.
func appendToLastMessage(body []byte, suffix string) ([]byte, bool) {
	req, ok := cliproxy.ParseObject(body)
	if !ok {
		return nil, false
	}
	raw, _ := req.Get("messages")
	var messages []json.RawMessage
	if json.Unmarshal(raw, &messages) != nil || len(messages) == 0 {
		return nil, false
	}
	last, ok := cliproxy.ParseObject(messages[len(messages)-1])
	if !ok {
		return nil, false
	}
	content, ok := stringValue(last, "content")
	if !ok {
		return nil, false // an array of parts, null, or missing
	}
	messages[len(messages)-1] = last.Set("content", cliproxy.JSONString(content+suffix)).JSON()
	return req.Set("messages", cliproxy.JSONArray(messages)).JSON(), true
}

// stringValue returns the member key of obj if it is a JSON string. (Unmarshal alone
// would also accept null, as "".)
func stringValue(obj cliproxy.Object, key string) (string, bool) {
	raw, _ := obj.Get(key)
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
