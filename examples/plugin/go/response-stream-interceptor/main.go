// Command response-stream-interceptor is the "response-stream-interceptor-go" example
// (response.intercept_stream_chunk): it sets X-Stream-Intercepted: go on the header-init
// call of every stream, drops the chunks that contain config `drop` (when set), and
// upper-cases the text of every "content" string of the others.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/response-stream-interceptor-go.so ./response-stream-interceptor
package main

import (
	"bytes"
	"encoding/json"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "response-stream-interceptor-go",
		ConfigFields: []cliproxy.ConfigField{
			{Name: "drop", Type: "string", Description: "Chunks containing this text are not delivered (unset: none)."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ResponseStreamInterceptor: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodResponseInterceptStreamChunk: cliproxy.Decoded(interceptChunk),
		},
	})
}

// interceptChunk sets the header on the header-init call only: headers changed later may
// arrive after the response head has been written.
func interceptChunk(cfg cliproxy.Config, req cliproxy.StreamChunkInterceptRequest) (any, error) {
	if req.ChunkIndex == cliproxy.HeaderInitChunk {
		return cliproxy.StreamChunkInterceptResponse{Headers: map[string][]string{"X-Stream-Intercepted": {"go"}}}, nil
	}
	if drop := cfg.Value("drop", ""); drop != "" && bytes.Contains(req.Body, []byte(drop)) {
		return cliproxy.StreamChunkInterceptResponse{DropChunk: true}, nil
	}
	return cliproxy.StreamChunkInterceptResponse{Body: upperContent(req.Body)}, nil
}

// upperContent returns chunk with the ASCII letters of every string value of a "content"
// key upper-cased, at any depth; every other byte, escape sequences included (\n stays
// \n, \u00e9 stays \u00e9), is unchanged. It scans the text rather than decoding it, so
// the rest of the chunk keeps its exact form, and text around the JSON (an SSE "data: "
// prefix) does no harm.
func upperContent(chunk []byte) []byte {
	out := bytes.Clone(chunk)
	for i := 0; i < len(out); i++ {
		if out[i] != '"' {
			continue
		}
		end := stringEnd(out, i)
		if end < 0 {
			break // unterminated string: nothing more to change
		}
		if value, ok := contentValue(out, i, end); ok {
			end = stringEnd(out, value)
			if end < 0 {
				break
			}
			upperString(out[value+1 : end])
		}
		i = end
	}
	return out
}

// stringEnd returns the index of the quote closing the JSON string whose opening quote
// is at b[start], or -1.
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // skip the escaped character (a \u escape's hex digits hold no quote)
		case '"':
			return i
		}
	}
	return -1
}

// contentValue reports whether the string b[start:end+1] is the key "content" followed
// by a string value, and returns the index of that value's opening quote.
func contentValue(b []byte, start, end int) (int, bool) {
	var key string
	if json.Unmarshal(b[start:end+1], &key) != nil || key != "content" {
		return 0, false
	}
	i := skipSpace(b, end+1)
	if i >= len(b) || b[i] != ':' {
		return 0, false // a value that happens to read "content", not a key
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return 0, false // content is null, an array of parts, ...
	}
	return i, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// upperString upper-cases the ASCII letters of the inside of a JSON string, leaving
// escape sequences alone. Multi-byte UTF-8 characters have no byte in 'a'..'z', so they
// pass unchanged.
func upperString(s []byte) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 < len(s) && s[i+1] == 'u' {
				i += 5 // \uXXXX
			} else {
				i++ // \n, \", \\, ...
			}
		case 'a' <= c && c <= 'z':
			s[i] = c - ('a' - 'A')
		}
	}
}
