package cliproxy

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCompletionReply(t *testing.T) {
	reply, err := CompletionReply("chatcmpl-demo-go", "m1", "a <b> & \"c\"")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"chatcmpl-demo-go","object":"chat.completion","created":0,"model":"m1",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"a <b> & \"c\""},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	if string(reply.Payload) != want {
		t.Errorf("payload\n got %s\nwant %s", reply.Payload, want)
	}
}

func TestInlineStreamReply(t *testing.T) {
	reply, err := InlineStreamReply("chatcmpl-demo-go", "m1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"id":"chatcmpl-demo-go","object":"chat.completion.chunk","created":0,"model":"m1",` +
			`"choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}`,
		`{"id":"chatcmpl-demo-go","object":"chat.completion.chunk","created":0,"model":"m1",` +
			`"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
	}
	if len(reply.Chunks) != len(want) {
		t.Fatalf("%d chunks", len(reply.Chunks))
	}
	for i, w := range want {
		if got := string(reply.Chunks[i].Payload); got != w {
			t.Errorf("chunk %d\n got %s\nwant %s", i, got, w)
		}
	}
	raw, _ := json.Marshal(reply)
	if string(raw[:52]) != `{"headers":{"Content-Type":["text/event-stream"]},"c` {
		t.Errorf("reply %s", raw)
	}
	// An empty text still gives a content key: clients expect one in the first delta.
	empty, _ := InlineStreamReply("id", "m", "")
	if got := string(empty.Chunks[0].Payload); !json.Valid(empty.Chunks[0].Payload) ||
		got != `{"id":"id","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` {
		t.Errorf("empty text chunk %s", got)
	}
}

func TestLastMessageText(t *testing.T) {
	cases := map[string]string{
		`{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`:                                        "b",
		`{"messages":[{"role":"user","content":[{"type":"text","text":"x "},{"type":"image_url"},{"type":"text","text":"y"}]}]}`: "x y",
		`{"messages":[{"role":"user","content":null}]}`:                                                                          "",
		`{"messages":[{"role":"user"}]}`:                                                                                         "",
		`{"messages":["junk"]}`:                                                                                                  "",
		`{"messages":[]}`:                                                                                                        "",
		`{"messages":"nope"}`:                                                                                                    "",
		`{}`:                                                                                                                     "",
	}
	for in, want := range cases {
		if got, ok := LastMessageText([]byte(in)); !ok || got != want {
			t.Errorf("LastMessageText(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{``, `null`, `[1]`, `"s"`, `{`} {
		if _, ok := LastMessageText([]byte(bad)); ok {
			t.Errorf("LastMessageText(%s) accepted", bad)
		}
	}
}

func TestTextExecutor(t *testing.T) {
	execute, stream := TextExecutor("chatcmpl-demo-go", func(req ExecutorRequest) (string, error) {
		if req.AuthID == "" {
			return "", &Error{Code: "unauthorized", Message: "no auth", HTTPStatus: 401}
		}
		return "from " + req.AuthID, nil
	})
	request := []byte(`{"AuthID":"a.json","Model":"m"}`)
	res, err := execute("", request)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := CompletionReply("chatcmpl-demo-go", "m", "from a.json")
	if string(res.(ExecutorResponse).Payload) != string(want.Payload) {
		t.Errorf("execute %s", res.(ExecutorResponse).Payload)
	}
	res, err = stream("", request)
	if err != nil || len(res.(ExecutorStreamResponse).Chunks) != 2 {
		t.Errorf("execute_stream %v, %v", res, err)
	}
	for _, m := range []Method{execute, stream} {
		var e *Error
		if _, err := m("", []byte(`{"Model":"m"}`)); !errors.As(err, &e) || e.HTTPStatus != 401 {
			t.Errorf("answer error not passed on: %v", err)
		}
		if _, err := m("", []byte(`[`)); !errors.As(err, &e) || e.Code != "invalid_request" {
			t.Errorf("bad request: %v", err)
		}
	}
}
