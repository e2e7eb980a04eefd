package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestUpperContent(t *testing.T) {
	cases := map[string]string{
		// OpenAI chunk: only the content value changes, not the key, role or id.
		`{"id":"content","choices":[{"delta":{"role":"assistant","content":"hello"}}]}`: `{"id":"content","choices":[{"delta":{"role":"assistant","content":"HELLO"}}]}`,
		// Escapes stay as written; non-ASCII letters are left alone.
		`{"content":"a\nb\tc \u00e9 \\ \"q\" é ß"}`: `{"content":"A\nB\tC \u00e9 \\ \"Q\" é ß"}`,
		// Whitespace around the colon, nesting, several occurrences.
		`{"a":{"content" :  "x"},"b":[{"content":"y"}]}`: `{"a":{"content" :  "X"},"b":[{"content":"Y"}]}`,
		// Not string values: null, arrays of parts (their "text" is not "content").
		`{"content":null,"c":{"content":[{"type":"text","text":"t"}]}}`: `{"content":null,"c":{"content":[{"type":"text","text":"t"}]}}`,
		// A value that reads "content" is not a key.
		`{"k":"content","v":"content"}`: `{"k":"content","v":"content"}`,
		// Other keys ending in content.
		`{"reasoning_content":"r","content":"c"}`: `{"reasoning_content":"r","content":"C"}`,
		// An escaped key still names "content".
		`{"\u0063ontent":"c"}`: `{"\u0063ontent":"C"}`,
		// Text around the JSON (an SSE frame) is kept.
		"data: {\"content\":\"sse\"}\n\n": "data: {\"content\":\"SSE\"}\n\n",
		// Broken input: nothing after the damage changes, nothing panics.
		`{"content":"unterminated`: `{"content":"unterminated`,
		`{"content":`:              `{"content":`,
		`"`:                        `"`,
		``:                         ``,
	}
	for in, want := range cases {
		if got := string(upperContent([]byte(in))); got != want {
			t.Errorf("upperContent(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestUpperContentDoesNotTouchItsInput(t *testing.T) {
	in := []byte(`{"content":"abc"}`)
	_ = upperContent(in)
	if string(in) != `{"content":"abc"}` {
		t.Errorf("input changed to %s", in)
	}
}

func chunkRequest(index int, body string) cliproxy.StreamChunkInterceptRequest {
	req := cliproxy.StreamChunkInterceptRequest{ChunkIndex: index}
	if body != "" {
		req.Body = []byte(body)
	}
	return req
}

func TestInterceptChunk(t *testing.T) {
	cases := []struct {
		cfg  cliproxy.Config
		req  cliproxy.StreamChunkInterceptRequest
		want string
	}{
		{"drop: x", chunkRequest(cliproxy.HeaderInitChunk, ""), `{"Headers":{"X-Stream-Intercepted":["go"]}}`},
		{"drop: secret", chunkRequest(0, `{"content":"a secret"}`), `{"DropChunk":true}`},
		{"", chunkRequest(1, `{"content":"a secret"}`), `{"Body":"eyJjb250ZW50IjoiQSBTRUNSRVQifQ=="}`},
		{"drop: secret", chunkRequest(2, `{"content":"ok"}`), `{"Body":"eyJjb250ZW50IjoiT0sifQ=="}`},
	}
	for _, c := range cases {
		res, err := interceptChunk(c.cfg, c.req)
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := json.Marshal(res); string(raw) != c.want {
			t.Errorf("chunk %d with %q: %s, want %s", c.req.ChunkIndex, c.cfg, raw, c.want)
		}
	}
}
