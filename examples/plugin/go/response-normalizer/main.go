// Command response-normalizer is the "response-normalizer-go" example: it adds the first
// key "x_before":"go" to every JSON-object response body and stream chunk before the
// host translates it (response.normalize_before), and "x_after":"go" after
// (response.normalize_after).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/response-normalizer-go.so ./response-normalizer
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "response-normalizer-go",
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ResponseBeforeTranslator: true, ResponseAfterTranslator: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodResponseNormalizeBefore: markWith("x_before"),
			cliproxy.MethodResponseNormalizeAfter:  markWith("x_after"),
		},
	})
}

// markWith returns the normalizer that inserts key:"go" first in a JSON-object body. It
// declines anything else (an SSE frame, [DONE], an array) with an empty reply, which
// leaves the body as it was.
func markWith(key string) cliproxy.Method {
	return cliproxy.Decoded(func(_ cliproxy.Config, req cliproxy.ResponseTransformRequest) (any, error) {
		body, _ := cliproxy.InsertFirstKey(req.Body, key, "go")
		return cliproxy.PayloadResponse{Body: body}, nil
	})
}
