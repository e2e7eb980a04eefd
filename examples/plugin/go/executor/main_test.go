package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func executorRequest(t *testing.T, payload string, streamID string) []byte {
	t.Helper()
	raw, err := json.Marshal(cliproxy.ExecutorRequest{Model: "example-echo-go", Payload: []byte(payload), StreamID: streamID})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestLastUserText(t *testing.T) {
	cases := map[string]string{
		`[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]`:                                                                      "a",
		`[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"x "},{"type":"image_url"},{"type":"text","text":"y"}]}]`: "x y",
		`[{"role":"system","content":"s"}]`:               "",
		`[{"Role":"user","content":"case matters"}]`:      "",
		`[{"role":"user","content":null},"junk",{"x":1}]`: "",
		`"not an array"`: "",
		``:               "",
	}
	for in, want := range cases {
		if got := lastUserText(json.RawMessage(in)); got != want {
			t.Errorf("lastUserText(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestExecuteAndCount(t *testing.T) {
	e := &echo{}
	if _, err := e.Handle(cliproxy.MethodPluginRegister, []byte(`{"config_yaml":"`+
		base64.StdEncoding.EncodeToString([]byte("enabled: true\nprefix: '> '\n"))+`","schema_version":3}`)); err != nil {
		t.Fatal(err)
	}
	req := executorRequest(t, `{"messages":[{"role":"user","content":"one  two\tthree"}]}`, "")
	res, err := e.Handle(cliproxy.MethodExecutorExecute, req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Model   string
		Choices []struct {
			Message struct{ Role, Content string }
		}
		Usage struct{ PromptTokens, CompletionTokens, TotalTokens int } `json:"usage"`
	}
	resp := res.(cliproxy.ExecutorResponse)
	if err := json.Unmarshal(resp.Payload, &body); err != nil {
		t.Fatal(err)
	}
	if body.Choices[0].Message.Content != "> one  two\tthree" || body.Model != "example-echo-go" {
		t.Errorf("unexpected reply %s", resp.Payload)
	}
	if !strings.Contains(string(resp.Payload), `"usage":{"prompt_tokens":4,"completion_tokens":4,"total_tokens":8}`) {
		t.Errorf("unexpected usage in %s", resp.Payload)
	}
	res, err = e.Handle(cliproxy.MethodExecutorCountTokens, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.(cliproxy.ExecutorResponse).Payload); got != `{"input_tokens":3}` {
		t.Errorf("count_tokens payload %s", got)
	}
	for _, bad := range [][]byte{[]byte(`nope`), executorRequest(t, `[1]`, ""), executorRequest(t, `null`, ""), executorRequest(t, ``, "")} {
		_, err := e.Handle(cliproxy.MethodExecutorExecute, bad)
		if ce, ok := err.(*cliproxy.Error); !ok || ce.Code != "invalid_request" || ce.HTTPStatus != 400 {
			t.Errorf("request %s: error %v, want invalid_request/400", bad, err)
		}
	}
}

func TestStreamChunks(t *testing.T) {
	chunks, err := streamChunks("m", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 ||
		!strings.Contains(string(chunks[0]), `"delta":{"role":"assistant","content":""},"finish_reason":null`) ||
		!strings.Contains(string(chunks[1]), `"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}`) {
		t.Errorf("empty text chunks:\n%s", chunks)
	}
	chunks, _ = streamChunks("m", "a b")
	want := []string{`"delta":{"role":"assistant","content":"a"}`, `"delta":{"content":" b"}`, `"finish_reason":"stop"`}
	for i, w := range want {
		if !strings.Contains(string(chunks[i]), w) || strings.Contains(string(chunks[i]), "data:") {
			t.Errorf("chunk %d = %s, want %s", i, chunks[i], w)
		}
	}
}

// Without a host every emit fails: the goroutine must still end (after trying to close),
// so Shutdown returns.
func TestStreamWithoutHostEnds(t *testing.T) {
	e := &echo{}
	res, err := e.Handle(cliproxy.MethodExecutorExecuteStream, executorRequest(t, `{"messages":[]}`, "7"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res)
	if string(raw) != `{"headers":{"Content-Type":["text/event-stream"]}}` {
		t.Errorf("stream result %s", raw)
	}
	if _, err := e.Handle(cliproxy.MethodExecutorExecuteStream, executorRequest(t, `{}`, "")); err == nil {
		t.Error("missing stream_id accepted")
	}
	e.Shutdown()
}
