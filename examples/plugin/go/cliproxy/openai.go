package cliproxy

import "encoding/json"

// OpenAI chat-completions bodies (format "openai"), as the example executors produce and
// read them. Unlike the wire structs these are the upstream API's own JSON, with its
// snake_case tags.

// ChatRequest is a chat completions request with text messages, as a plugin sends one
// through host.model.execute or host.model.execute_stream.
type ChatRequest struct {
	Model    string        `json:"model"`
	Stream   bool          `json:"stream,omitempty"`
	Messages []ChatMessage `json:"messages"`
}

// ChatCompletion is a non-stream chat completion.
type ChatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"` // "chat.completion"
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   ChatUsage    `json:"usage"`
}

// ChatChoice is one choice of a ChatCompletion.
type ChatChoice struct {
	Index        int         `json:"index"`
	Message      ChatMessage `json:"message"`
	FinishReason string      `json:"finish_reason"`
}

// ChatMessage is a message with text content.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatUsage is the token usage of a completion.
type ChatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatCompletionChunk is one chunk of a streamed chat completion.
type ChatCompletionChunk struct {
	ID      string            `json:"id"`
	Object  string            `json:"object"` // "chat.completion.chunk"
	Created int64             `json:"created"`
	Model   string            `json:"model"`
	Choices []ChatChunkChoice `json:"choices"`
	Usage   *ChatUsage        `json:"usage,omitempty"` // usually only on the last chunk
}

// ChatChunkChoice is one choice of a chunk; FinishReason is null until the last chunk.
type ChatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        ChatDelta `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
}

// ChatDelta is the increment of a chunk; the last chunk's delta is {}.
type ChatDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// exampleUsage is the fixed usage of the examples' one-text replies: they count no
// tokens, but clients expect the object.
var exampleUsage = ChatUsage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}

// CompletionReply is the executor.execute reply of an example that answers with one
// text: a chat completion with the given id, the request's model and content, created 0
// and usage 1+1 (fixed, so the replies are reproducible).
func CompletionReply(id, model, content string) (ExecutorResponse, error) {
	payload, err := EncodeJSON(ChatCompletion{
		ID:      id,
		Object:  "chat.completion",
		Model:   model,
		Choices: []ChatChoice{{Message: ChatMessage{Role: "assistant", Content: content}, FinishReason: "stop"}},
		Usage:   exampleUsage,
	})
	if err != nil {
		return ExecutorResponse{}, err
	}
	return ExecutorResponse{Payload: payload}, nil
}

// InlineStreamReply is the executor.execute_stream form of CompletionReply: the whole
// stream returned inline, as an event stream of two chunks, the first carrying the role
// and the content, the second an empty delta and finish_reason "stop".
func InlineStreamReply(id, model, content string) (ExecutorStreamResponse, error) {
	stop := "stop"
	deltas := []struct {
		delta  ChatDelta
		finish *string
	}{
		{ChatDelta{Role: "assistant", Content: &content}, nil},
		{ChatDelta{}, &stop},
	}
	reply := ExecutorStreamResponse{Headers: map[string][]string{"Content-Type": {"text/event-stream"}}}
	for _, d := range deltas {
		payload, err := EncodeJSON(ChatCompletionChunk{
			ID:      id,
			Object:  "chat.completion.chunk",
			Model:   model,
			Choices: []ChatChunkChoice{{Delta: d.delta, FinishReason: d.finish}},
		})
		if err != nil {
			return ExecutorStreamResponse{}, err
		}
		reply.Chunks = append(reply.Chunks, ExecutorStreamChunk{Payload: payload})
	}
	return reply, nil
}

// MessageText flattens a chat message's content: a string as is, an array of parts as
// the concatenated text of its {"type":"text"} parts; anything else is "".
func MessageText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []map[string]json.RawMessage // maps: keys match exactly, unlike struct fields
	if json.Unmarshal(content, &parts) != nil {
		return ""
	}
	var text []byte
	for _, part := range parts {
		var typ, t string
		if json.Unmarshal(part["type"], &typ) == nil && typ == "text" &&
			json.Unmarshal(part["text"], &t) == nil {
			text = append(text, t...)
		}
	}
	return string(text)
}

// LastMessageText returns the text (MessageText) of the content of the last element of
// the chat request's "messages", whatever its role. A body without messages, or whose
// last message has no text, gives ""; ok is false only when body is not a JSON object.
func LastMessageText(body []byte) (text string, ok bool) {
	var req map[string]json.RawMessage
	if json.Unmarshal(body, &req) != nil || req == nil {
		return "", false
	}
	var messages []json.RawMessage
	if json.Unmarshal(req["messages"], &messages) != nil || len(messages) == 0 {
		return "", true
	}
	var last map[string]json.RawMessage
	if json.Unmarshal(messages[len(messages)-1], &last) != nil {
		return "", true
	}
	return MessageText(last["content"]), true
}

// TextExecutor returns the executor.execute and executor.execute_stream Methods of an
// example whose executor answers with one text: answer computes it from the request, or
// the error the call fails with; execute replies with CompletionReply and execute_stream
// with InlineStreamReply, under the completion ID id.
func TextExecutor(id string, answer func(ExecutorRequest) (string, error)) (execute, executeStream Method) {
	execute = Decoded(func(_ Config, req ExecutorRequest) (any, error) {
		text, err := answer(req)
		if err != nil {
			return nil, err
		}
		return CompletionReply(id, req.Model, text)
	})
	executeStream = Decoded(func(_ Config, req ExecutorRequest) (any, error) {
		text, err := answer(req)
		if err != nil {
			return nil, err
		}
		return InlineStreamReply(id, req.Model, text)
	})
	return execute, executeStream
}
