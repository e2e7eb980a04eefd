// Command request-interceptor is the "request-interceptor-go" example.
//
//   - request.intercept_before (before a credential is chosen): a request whose body
//     contains config `block` (default "forbidden-go") is answered at once with a 403 JSON
//     error; any other gets the header X-Intercepted-By: go.
//   - request.intercept_after (once per attempt, after the credential): sets
//     X-Intercepted-After: go and clears the header named by config `clear-header`
//     (default X-Debug).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/request-interceptor-go.so ./request-interceptor
package main

import (
	"bytes"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const name = "request-interceptor-go"

// blockedBody is the client's response to a blocked request, in OpenAI's error shape.
const blockedBody = `{"error":{"message":"blocked by ` + name + `","type":"invalid_request_error","code":"blocked"}}`

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "block", Type: "string", Description: `Requests whose body contains this text are refused (default "forbidden-go").`},
			{Name: "clear-header", Type: "string", Description: "Header removed after credential selection (default X-Debug)."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{RequestInterceptor: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodRequestInterceptBefore: cliproxy.Decoded(interceptBefore),
			cliproxy.MethodRequestInterceptAfter:  cliproxy.Decoded(interceptAfter),
		},
	})
}

// interceptBefore terminates blocked requests: no credential is used and no upstream is
// called; the host answers with our status, headers and body.
func interceptBefore(cfg cliproxy.Config, req cliproxy.RequestInterceptRequest) (any, error) {
	if bytes.Contains(req.Body, []byte(cfg.Value("block", "forbidden-go"))) {
		return cliproxy.RequestInterceptResponse{
			Terminate:  true,
			StatusCode: 403,
			ResponseHeaders: map[string][]string{
				"Content-Type": {"application/json"},
				"X-Blocked-By": {name},
			},
			ResponseBody: []byte(blockedBody),
		}, nil
	}
	return cliproxy.RequestInterceptResponse{Headers: map[string][]string{"X-Intercepted-By": {"go"}}}, nil
}

func interceptAfter(cfg cliproxy.Config, _ cliproxy.RequestInterceptRequest) (any, error) {
	return cliproxy.RequestInterceptResponse{
		Headers:      map[string][]string{"X-Intercepted-After": {"go"}},
		ClearHeaders: []string{cfg.Value("clear-header", "X-Debug")},
	}, nil
}
