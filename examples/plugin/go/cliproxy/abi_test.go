package cliproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

type testHandler struct{}

func (testHandler) Handle(method string, request []byte) (any, error) {
	switch method {
	case "ok":
		return map[string]int{"n": len(request)}, nil
	case "nil":
		return nil, nil
	case "raw":
		return json.RawMessage(`{"a":1}`), nil
	case "bad":
		return nil, fmt.Errorf("wrapped: %w", InvalidRequest("payload is not a JSON object"))
	case "plain":
		return nil, errors.New("boom")
	case "panic":
		panic("oops")
	case "unencodable":
		return func() {}, nil
	}
	return nil, UnknownMethod(method)
}

func TestDispatchEnvelopes(t *testing.T) {
	cases := []struct{ method, want string }{
		{"ok", `{"ok":true,"result":{"n":2}}`},
		{"nil", `{"ok":true,"result":{}}`},
		{"raw", `{"ok":true,"result":{"a":1}}`},
		{"bad", `{"ok":false,"error":{"code":"invalid_request","message":"payload is not a JSON object","http_status":400}}`},
		{"plain", `{"ok":false,"error":{"code":"plugin_error","message":"boom"}}`},
		{"panic", `{"ok":false,"error":{"code":"plugin_panic","message":"panic in panic: oops","http_status":500}}`},
		{"unencodable", `{"ok":false,"error":{"code":"plugin_error","message":"encode result of unencodable: json: unsupported type: func()"}}`},
		{"nope.method", `{"ok":false,"error":{"code":"unknown_method","message":"unknown method nope.method"}}`},
	}
	for _, c := range cases {
		if got := string(dispatch(testHandler{}, c.method, []byte("{}"))); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.method, got, c.want)
		}
	}
}

func TestHostCallWithoutHost(t *testing.T) {
	if _, err := HostCall(HostLog, nil); err == nil {
		t.Fatal("HostCall without a host table succeeded")
	}
}
