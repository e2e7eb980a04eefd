// Command response-translator is the "response-translator-go" example. It defines the
// plain-text response format lines-go: its executor (provider lines-go, model
// lines-model-go, input openai, output lines-go) answers with the words of the last
// message's text, one per line, or as a stream one word per chunk; response.translate
// turns lines-go back into openai. A client asking for lines-model-go thus goes
// openai -> executor -> lines-go -> this translator -> openai: a whole response becomes a
// chat completion whose content is the lines joined with " | ", a stream chunk a
// chat.completion.chunk carrying the word and a space.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/response-translator-go.so ./response-translator
package main

import (
	"strings"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "response-translator-go"
	format       = "lines-go" // the format, the executor's provider and its identifier
	completionID = "chatcmpl-" + name
)

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{
				ResponseTranslator:    true,
				Executor:              true,
				ModelProvider:         true,
				ExecutorModelScope:    "static",
				ExecutorInputFormats:  []string{"openai"},
				ExecutorOutputFormats: []string{format},
			}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodExecutorIdentifier:    cliproxy.Identifier(format),
			cliproxy.MethodModelStatic:           staticModels,
			cliproxy.MethodExecutorExecute:       cliproxy.Decoded(execute),
			cliproxy.MethodExecutorExecuteStream: cliproxy.Decoded(executeStream),
			cliproxy.MethodResponseTranslate:     cliproxy.Decoded(translate),
		},
	})
}

func staticModels(cliproxy.Config, []byte) (any, error) {
	return cliproxy.ModelResponse{
		Provider: format,
		Models:   []cliproxy.ModelInfo{{ID: "lines-model-go", Object: "model", OwnedBy: name}},
	}, nil
}

// lastMessageWords returns the words of the last message's text of the openai request in
// Payload, split on ASCII spaces with the empty ones dropped. No messages: no words.
func lastMessageWords(req cliproxy.ExecutorRequest) ([]string, error) {
	text, ok := cliproxy.LastMessageText(req.Payload)
	if !ok {
		return nil, cliproxy.InvalidRequest("Payload is not a JSON object")
	}
	var words []string
	for _, word := range strings.Split(text, " ") {
		if word != "" {
			words = append(words, word)
		}
	}
	return words, nil
}

// execute answers in lines-go: the words, one per line.
func execute(_ cliproxy.Config, req cliproxy.ExecutorRequest) (any, error) {
	words, err := lastMessageWords(req)
	if err != nil {
		return nil, err
	}
	return cliproxy.ExecutorResponse{
		Payload: []byte(strings.Join(words, "\n")),
		Headers: map[string][]string{"Content-Type": {"text/plain"}},
	}, nil
}

// executeStream answers in lines-go with inline chunks, one word per chunk. Inline chunks
// must not be empty (no chunks means "I will stream with host.stream.emit", which this
// plugin never does), so no words give one empty chunk.
func executeStream(_ cliproxy.Config, req cliproxy.ExecutorRequest) (any, error) {
	words, err := lastMessageWords(req)
	if err != nil {
		return nil, err
	}
	chunks := make([]cliproxy.ExecutorStreamChunk, 0, len(words))
	for _, word := range words {
		chunks = append(chunks, cliproxy.ExecutorStreamChunk{Payload: []byte(word)})
	}
	if len(chunks) == 0 {
		chunks = append(chunks, cliproxy.ExecutorStreamChunk{Payload: []byte{}})
	}
	return cliproxy.ExecutorStreamResponse{
		Headers: map[string][]string{"Content-Type": {"text/event-stream"}},
		Chunks:  chunks,
	}, nil
}

// translate handles lines-go -> openai only and declines everything else with an empty
// reply: the host offers translators every pair it has no native translator for,
// including same-format ones, and takes the first non-empty body.
func translate(_ cliproxy.Config, req cliproxy.ResponseTransformRequest) (any, error) {
	if req.FromFormat != format || req.ToFormat != "openai" {
		return cliproxy.PayloadResponse{}, nil
	}
	var body []byte
	var err error
	if req.Stream {
		body, err = streamChunk(req.Model, string(req.Body))
	} else {
		body, err = completion(req.Model, string(req.Body))
	}
	if err != nil {
		return nil, err
	}
	return cliproxy.PayloadResponse{Body: body}, nil
}

// completion is the openai form of a whole lines-go response: a chat completion whose
// content is its lines joined with " | ".
func completion(model, lines string) ([]byte, error) {
	reply, err := cliproxy.CompletionReply(completionID, model, strings.ReplaceAll(lines, "\n", " | "))
	return reply.Payload, err
}

// streamChunk is the openai form of one lines-go stream chunk: a chat.completion.chunk
// whose delta is the chunk's text and a space, finish_reason still null.
func streamChunk(model, text string) ([]byte, error) {
	content := text + " "
	return cliproxy.EncodeJSON(cliproxy.ChatCompletionChunk{
		ID:      completionID,
		Object:  "chat.completion.chunk",
		Model:   model,
		Choices: []cliproxy.ChatChunkChoice{{Delta: cliproxy.ChatDelta{Content: &content}}},
	})
}
