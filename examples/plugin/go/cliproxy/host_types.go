package cliproxy

// Requests and results of the host.http.* and host.model.* callbacks
// (/work/shared/spec/03-host-callbacks.md §3.2-3.9). Unlike the capability wire types,
// the host tags these keys snake_case, with one exception: the result of host.http.do is
// an untagged Go struct, so its keys are PascalCase (StatusCode, Headers, Body).
// []byte fields travel as standard padded base64; header and query maps are
// {"Name":["v1",...]}. Pass HostCallbackID (the host_callback_id of the request being
// served) so that the host ties the call to that request: cancellation, request log, and
// for model streams the implicit close when the request's scope ends.

// HostHTTPRequest is the request of host.http.do and host.http.do_stream. An empty
// Method means GET; Headers are sent as given (no canonicalization).
type HostHTTPRequest struct {
	Method         string              `json:"method"`
	URL            string              `json:"url"`
	Headers        map[string][]string `json:"headers,omitempty"`
	Body           []byte              `json:"body,omitempty"`
	HostCallbackID string              `json:"host_callback_id,omitempty"`
}

// HostHTTPResponse is the result of host.http.do (PascalCase keys on the wire). Every
// status, 4xx and 5xx included, is a result; only transport failures are errors.
type HostHTTPResponse struct {
	StatusCode int
	Headers    map[string][]string
	Body       []byte
}

// HostHTTPStreamResponse is the result of host.http.do_stream: the response head, and
// the id to read the body with (host.http.stream_read).
type HostHTTPStreamResponse struct {
	StatusCode int                 `json:"status_code"`
	Headers    map[string][]string `json:"headers"`
	StreamID   string              `json:"stream_id"`
}

// HostHTTPStreamChunk is the result of host.http.stream_read: one fragment of the body
// (up to 32 KiB, not aligned to lines or events), or Done, with Error when the body
// ended with a read error. The host omits empty keys. Reading a stream after Done is an
// error, unlike model streams.
type HostHTTPStreamChunk struct {
	Payload []byte `json:"payload,omitempty"`
	Error   string `json:"error,omitempty"`
	Done    bool   `json:"done,omitempty"`
}

// StreamIDRequest is the request of host.http.stream_read, host.http.stream_close,
// host.model.stream_read and host.model.stream_close.
type StreamIDRequest struct {
	StreamID string `json:"stream_id"`
}

// HostModelRequest is the request of host.model.execute (Stream false) and
// host.model.execute_stream (Stream true): a nested run of the proxy's pipeline. Body is
// a request in EntryProtocol (openai, openai-response, claude, gemini, ...); the reply is
// in ExitProtocol, which defaults to EntryProtocol. Empty Headers and Query fall back to
// those of the client request the HostCallbackID belongs to.
type HostModelRequest struct {
	EntryProtocol  string              `json:"entry_protocol"`
	ExitProtocol   string              `json:"exit_protocol,omitempty"`
	Model          string              `json:"model"`
	Stream         bool                `json:"stream"`
	Body           []byte              `json:"body"`
	Headers        map[string][]string `json:"headers,omitempty"`
	Query          map[string][]string `json:"query,omitempty"`
	Alt            string              `json:"alt,omitempty"`
	HostCallbackID string              `json:"host_callback_id,omitempty"`
}

// HostModelResponse is the result of host.model.execute: Body is the response in the
// exit protocol; StatusCode is 200 on success; Headers are usually null.
type HostModelResponse struct {
	StatusCode int                 `json:"status_code"`
	Headers    map[string][]string `json:"headers"`
	Body       []byte              `json:"body"`
}

// HostModelStreamResponse is the result of host.model.execute_stream, returned once the
// first chunk is available: the id to read the chunks with (host.model.stream_read).
type HostModelStreamResponse struct {
	StatusCode int                 `json:"status_code"`
	Headers    map[string][]string `json:"headers"`
	StreamID   string              `json:"stream_id"`
}

// HostModelStreamChunk is the result of host.model.stream_read. A chunk has Payload
// (for openai one chat.completion.chunk JSON object without "data: "; for claude whole
// event blocks); the end has Done, with Error when the run failed. An unknown or closed
// stream id reads as Done without Error.
type HostModelStreamChunk struct {
	Payload []byte `json:"payload"`
	Error   string `json:"error"`
	Done    bool   `json:"done"`
}
