package cliproxy

/*
#include <stdlib.h>
#include "cliproxy_plugin.h"

// Go cannot call C function pointers, so these two inline functions do it. They are
// static: no symbol leaves the library.
static inline int cliproxy_go_host_call(const cliproxy_host_api *h, const char *method,
                                        const uint8_t *request, size_t request_len,
                                        cliproxy_buffer *response) {
    return h->call(h->host_ctx, method, request, request_len, response);
}

static inline void cliproxy_go_host_free(const cliproxy_host_api *h, void *ptr, size_t len) {
    h->free_buffer(ptr, len);
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// HostCall calls a host callback (a Host* method name) and returns the "result" of its
// envelope (nil when the host sent none).
//
// request is encoded with encoding/json; nil sends {}, and a json.RawMessage is sent as
// is. Everything passed to the host is ours and is only borrowed for the duration of the
// call; the host's reply is copied into Go memory and released at once with the host's
// free_buffer, so the caller owns nothing that needs freeing.
//
// Errors: "host call <method> returned <rc>" when the host produced no envelope (for
// example after shutdown); an *Error ("<code>: <message>", code usually
// host_call_failed) when the host answered ok:false. Safe from any goroutine, including
// from inside Handle, until the plugin's shutdown hook has returned.
func HostCall(method string, request any) (json.RawMessage, error) {
	h := host.Load()
	if h == nil {
		return nil, fmt.Errorf("host call %s: no host table (plugin not initialised or shut down)", method)
	}
	var body []byte
	switch r := request.(type) {
	case nil:
		body = []byte(`{}`)
	case json.RawMessage:
		body = r
	default:
		var err error
		if body, err = json.Marshal(request); err != nil {
			return nil, fmt.Errorf("host call %s: encode request: %w", method, err)
		}
	}

	cMethod := C.CString(method)
	defer C.free(unsafe.Pointer(cMethod))
	var reqPtr *C.uint8_t
	if len(body) > 0 {
		// Go memory without Go pointers inside: cgo allows passing it for the call.
		reqPtr = (*C.uint8_t)(unsafe.Pointer(&body[0]))
	}
	var resp C.cliproxy_buffer
	rc := C.cliproxy_go_host_call(h, cMethod, reqPtr, C.size_t(len(body)), &resp)

	var reply []byte
	if resp.ptr != nil {
		reply = make([]byte, int(resp.len))
		copy(reply, unsafe.Slice((*byte)(resp.ptr), int(resp.len)))
		C.cliproxy_go_host_free(h, resp.ptr, resp.len)
	}
	if rc != 0 {
		return nil, fmt.Errorf("host call %s returned %d", method, int(rc))
	}
	var env envelope
	if err := json.Unmarshal(reply, &env); err != nil {
		return nil, fmt.Errorf("host call %s: decode reply: %w", method, err)
	}
	if !env.OK {
		if env.Error == nil {
			return nil, &Error{Code: "host_call_failed", Message: "host call " + method + " failed"}
		}
		return nil, env.Error
	}
	return env.Result, nil
}

// EmitStream pushes one chunk of an asynchronous executor stream (host.stream.emit). An
// error usually means the client went away: stop producing and call CloseStream.
func EmitStream(streamID string, payload []byte) error {
	_, err := HostCall(HostStreamEmit, StreamEmitRequest{StreamID: streamID, Payload: payload})
	return err
}

// CloseStream ends an asynchronous executor stream (host.stream.close); call it exactly
// once per stream, also after a failed emit. A non-empty errText ends the stream with
// that error.
func CloseStream(streamID, errText string) error {
	_, err := HostCall(HostStreamClose, StreamCloseRequest{StreamID: streamID, Error: errText})
	return err
}

// Log writes one line to the host log (host.log). level is trace, debug, info, warn or
// error; fields may be nil. Failures are ignored: logging must not break a request.
func Log(level, message string, fields map[string]any) {
	_, _ = HostCall(HostLog, LogRequest{Level: level, Message: message, Fields: fields})
}

// HostCaller is the signature of HostCall. An example that keeps a HostCaller (HostCall
// in the plugin, a fake in its tests) can test its host calls without a host; the typed
// wrappers below are its methods.
type HostCaller func(method string, request any) (json.RawMessage, error)

// HostResult calls the host through call and decodes the result into a T (a missing
// result gives the zero T). Errors are those of call, or a decode error.
func HostResult[T any](call HostCaller, method string, request any) (T, error) {
	var out T
	raw, err := call(method, request)
	if err != nil {
		return out, err
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return out, fmt.Errorf("host call %s: decode result: %w", method, err)
		}
	}
	return out, nil
}

// Log writes one line to the host log (host.log) and, unlike the package's Log, reports
// a failure.
func (call HostCaller) Log(req LogRequest) error {
	_, err := call(HostLog, req)
	return err
}

// HTTPDo sends an HTTP request through the host (host.http.do) and returns the whole
// response.
func (call HostCaller) HTTPDo(req HostHTTPRequest) (HostHTTPResponse, error) {
	return HostResult[HostHTTPResponse](call, HostHTTPDo, req)
}

// ModelExecute runs a nested non-stream model request (host.model.execute); it sends
// Stream false, which the host requires.
func (call HostCaller) ModelExecute(req HostModelRequest) (HostModelResponse, error) {
	req.Stream = false
	return HostResult[HostModelResponse](call, HostModelExecute, req)
}

// ModelExecuteStream starts a nested stream model request (host.model.execute_stream);
// it sends Stream true, which the host requires. Read the chunks with ModelStreamRead
// until Done, and close the stream with ModelStreamClose (or let the scope of
// req.HostCallbackID close it).
func (call HostCaller) ModelExecuteStream(req HostModelRequest) (HostModelStreamResponse, error) {
	req.Stream = true
	return HostResult[HostModelStreamResponse](call, HostModelExecuteStream, req)
}

// ModelStreamRead waits for the next chunk of a nested model stream
// (host.model.stream_read).
func (call HostCaller) ModelStreamRead(streamID string) (HostModelStreamChunk, error) {
	return HostResult[HostModelStreamChunk](call, HostModelStreamRead, StreamIDRequest{StreamID: streamID})
}

// ModelStreamClose closes a nested model stream and cancels its run
// (host.model.stream_close); closing a finished or unknown stream succeeds.
func (call HostCaller) ModelStreamClose(streamID string) error {
	_, err := call(HostModelStreamClose, StreamIDRequest{StreamID: streamID})
	return err
}
