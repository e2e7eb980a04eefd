// Command response-interceptor is the "response-interceptor-go" example: on every
// non-stream response (response.intercept_after) it sets the header
// X-Response-Intercepted: go and, when the body is a JSON object, adds the first key
// "x_intercepted_by":"go" to it.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/response-interceptor-go.so ./response-interceptor
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "response-interceptor-go",
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ResponseInterceptor: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodResponseInterceptAfter: cliproxy.Decoded(interceptAfter),
		},
	})
}

// interceptAfter leaves Body out for bodies that are not JSON objects: the host keeps
// the response body unless it gets a non-empty one.
func interceptAfter(_ cliproxy.Config, req cliproxy.ResponseInterceptRequest) (any, error) {
	body, _ := cliproxy.InsertFirstKey(req.Body, "x_intercepted_by", "go")
	return cliproxy.ResponseInterceptResponse{
		Headers: map[string][]string{"X-Response-Intercepted": {"go"}},
		Body:    body,
	}, nil
}
