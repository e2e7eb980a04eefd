package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestIntercept(t *testing.T) {
	blocked := `{"Terminate":true,"StatusCode":403,` +
		`"ResponseHeaders":{"Content-Type":["application/json"],"X-Blocked-By":["request-interceptor-go"]},` +
		`"ResponseBody":"eyJlcnJvciI6eyJtZXNzYWdlIjoiYmxvY2tlZCBieSByZXF1ZXN0LWludGVyY2VwdG9yLWdvIiwidHlwZSI6ImludmFsaWRfcmVxdWVzdF9lcnJvciIsImNvZGUiOiJibG9ja2VkIn19"}`
	passed := `{"Headers":{"X-Intercepted-By":["go"]}}`
	cases := []struct {
		cfg    cliproxy.Config
		method func(cliproxy.Config, cliproxy.RequestInterceptRequest) (any, error)
		body   string
		want   string
	}{
		{"", interceptBefore, `{"messages":[{"content":"say forbidden-go"}]}`, blocked},
		{"", interceptBefore, `{"messages":[{"content":"fine"}]}`, passed},
		{"block: secret", interceptBefore, `forbidden-go`, passed},
		{"block: secret", interceptBefore, `a secret`, blocked},
		{"", interceptAfter, `x`, `{"Headers":{"X-Intercepted-After":["go"]},"ClearHeaders":["X-Debug"]}`},
		{"clear-header: X-Trace", interceptAfter, `x`, `{"Headers":{"X-Intercepted-After":["go"]},"ClearHeaders":["X-Trace"]}`},
	}
	for _, c := range cases {
		res, err := c.method(c.cfg, cliproxy.RequestInterceptRequest{Body: []byte(c.body)})
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := json.Marshal(res); string(raw) != c.want {
			t.Errorf("%q on %s:\n got %s\nwant %s", c.cfg, c.body, raw, c.want)
		}
	}
	if !json.Valid([]byte(blockedBody)) {
		t.Errorf("blockedBody is not JSON: %s", blockedBody)
	}
}
