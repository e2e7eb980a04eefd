package main

import (
	"encoding/json"
	"reflect"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestLastMessageWords(t *testing.T) {
	cases := map[string][]string{
		`{"messages":[{"role":"user","content":"a"},{"role":"user","content":"w1 w2 w3"}]}`:                           {"w1", "w2", "w3"},
		`{"messages":[{"role":"user","content":"  one   two  "}]}`:                                                    {"one", "two"},
		`{"messages":[{"content":[{"type":"text","text":"x "},{"type":"image_url"},{"type":"text","text":"y\tz"}]}]}`: {"x", "y\tz"},
		`{"messages":[{"role":"assistant","content":"héllo wörld <&>"}]}`:                                             {"héllo", "wörld", "<&>"},
		`{"messages":[{"role":"user","content":"   "}]}`:                                                              nil,
		`{"messages":[]}`: nil,
		`{}`:              nil,
	}
	for in, want := range cases {
		got, err := lastMessageWords(cliproxy.ExecutorRequest{Payload: []byte(in)})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("lastMessageWords(%s) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := lastMessageWords(cliproxy.ExecutorRequest{Payload: []byte(`not json`)}); err == nil {
		t.Error("non-JSON payload accepted")
	}
}

func TestExecute(t *testing.T) {
	req := cliproxy.ExecutorRequest{Model: "lines-model-go", Payload: []byte(`{"messages":[{"role":"user","content":"w1 w2  w3"}]}`)}
	res, err := execute("", req)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(res); string(raw) != `{"Payload":"dzEKdzIKdzM=","Headers":{"Content-Type":["text/plain"]}}` {
		t.Errorf("execute = %s", raw)
	}
	res, err = executeStream("", req)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(res); string(raw) != `{"headers":{"Content-Type":["text/event-stream"]},"chunks":[{"Payload":"dzE="},{"Payload":"dzI="},{"Payload":"dzM="}]}` {
		t.Errorf("executeStream = %s", raw)
	}
	// No words: one empty chunk, since no chunks at all would mean an asynchronous stream.
	res, _ = executeStream("", cliproxy.ExecutorRequest{Payload: []byte(`{"messages":[]}`)})
	if raw, _ := json.Marshal(res); string(raw) != `{"headers":{"Content-Type":["text/event-stream"]},"chunks":[{"Payload":""}]}` {
		t.Errorf("executeStream without words = %s", raw)
	}
}

func TestTranslate(t *testing.T) {
	cases := []struct {
		from, to string
		stream   bool
		body     string
		want     string
	}{
		{"lines-go", "openai", false, "w1\nw2\nw3",
			`{"id":"chatcmpl-response-translator-go","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"w1 | w2 | w3"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`},
		{"lines-go", "openai", true, "w1",
			`{"id":"chatcmpl-response-translator-go","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"w1 "},"finish_reason":null}]}`},
		{"lines-go", "openai", true, "<&>",
			`{"id":"chatcmpl-response-translator-go","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"<&> "},"finish_reason":null}]}`},
		{"openai", "openai", false, "w1", ""},
		{"claude", "claude", true, "w1", ""},
		{"openai", "lines-go", false, "w1", ""},
		{"lines-c", "openai", false, "w1", ""},
	}
	for _, c := range cases {
		res, err := translate("", cliproxy.ResponseTransformRequest{FromFormat: c.from, ToFormat: c.to, Model: "m", Stream: c.stream, Body: []byte(c.body)})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.(cliproxy.PayloadResponse).Body); got != c.want {
			t.Errorf("translate(%s -> %s, stream %v, %q)\n got %s\nwant %s", c.from, c.to, c.stream, c.body, got, c.want)
		}
		if raw, _ := json.Marshal(res); c.want == "" && string(raw) != `{}` {
			t.Errorf("decline encodes as %s", raw)
		}
	}
}
