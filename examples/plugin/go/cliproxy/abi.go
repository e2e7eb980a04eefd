// Package cliproxy is the cgo glue shared by the Go example plugins.
//
// A plugin is a `package main` built with -buildmode=c-shared that imports this package
// and registers one Handler from an init func:
//
//	func init() { cliproxy.Serve(&myPlugin{}) }
//	func main() {}
//
// This package then provides everything the C ABI in abi/include/cliproxy_plugin.h asks
// for: the exported entry point cliproxy_plugin_init (defined in plugin.c so the compiler
// checks it against the normative prototype), the plugin function table, the JSON
// envelope, and plugin -> host calls (HostCall). The handler only sees method names and
// request bytes and returns a Go value or an error.
//
// Several Go plugins may be loaded into one host process. Each one carries its own copy
// of this package and of the Go runtime, so nothing here is shared between plugins. The
// only global symbols this package adds are cliproxy_plugin_init and the three cgo
// exports below (the Go runtime adds its own x_cgo_* ones); the host opens every library
// with RTLD_LOCAL, and Go links c-shared libraries with -Bsymbolic, so equal names in
// different plugins never bind to each other.
//
// State is per loaded file, not per init call: loading the same file twice gives the
// same instance (dlopen returns the same handle), and a Go library is never unmapped,
// so after shutdown a reload calls cliproxy_plugin_init again on the live runtime.
package cliproxy

/*
#cgo CFLAGS: -I${SRCDIR}/../../../../abi/include
#include <stdlib.h>
#include "cliproxy_plugin.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// Handler answers the host's RPCs. It is called concurrently from many host threads, so
// it must be safe for concurrent use; it may call HostCall re-entrantly.
//
// request is the JSON request (a copy: it stays valid after Handle returns, so it may be
// handed to a goroutine). The returned value is encoded with encoding/json as the
// envelope's "result" (nil becomes {}; pass json.RawMessage for pre-encoded JSON, never
// []byte, which encoding/json would turn into a base64 string). A non-nil error becomes
// an error envelope; return an *Error to choose its code and HTTP status, and
// UnknownMethod(method) for methods the plugin does not implement.
type Handler interface {
	Handle(method string, request []byte) (any, error)
}

// Shutdowner is an optional interface of a Handler. Its Shutdown runs once, from the
// plugin table's shutdown hook, after every in-flight call has returned and while
// HostCall still works. Join every goroutine that may still call the host here: once it
// returns the host table is gone (HostCall then fails instead of touching freed memory).
type Shutdowner interface {
	Shutdown()
}

// handler is set once by Serve during package initialisation. The Go runtime finishes all
// init funcs before any cgo export can run, so reads in the exports need no lock.
var handler Handler

// host is the table passed to cliproxy_plugin_init. The host keeps it at a fixed address
// until our shutdown hook returns; it is cleared then.
var host atomic.Pointer[C.cliproxy_host_api]

// Serve registers the plugin's handler. Call it exactly once, from an init func of the
// main package; without it cliproxy_plugin_init fails and the host refuses to load the
// library.
func Serve(h Handler) {
	if h == nil {
		panic("cliproxy.Serve: nil handler")
	}
	if handler != nil {
		panic("cliproxy.Serve: called twice")
	}
	handler = h
}

// cliproxyGoInit is called by cliproxy_plugin_init (plugin.c) after it has filled the
// plugin table. It stores the host table for HostCall; a non-zero return fails the load.
//
//export cliproxyGoInit
func cliproxyGoInit(h *C.cliproxy_host_api) C.int {
	if handler == nil {
		return 2 // no cliproxy.Serve in the plugin: nothing could answer calls
	}
	if h != nil && h.call != nil && h.free_buffer != nil {
		host.Store(h)
	}
	return 0
}

// cliproxyGoCall is the plugin table's call (through a C trampoline that only drops the
// const qualifiers). method and request belong to the host and die when we return, so the
// request is copied before the handler sees it. The response is malloc'd; the host hands
// it back to free_buffer, which frees it with free() without entering Go.
//
//export cliproxyGoCall
func cliproxyGoCall(method *C.char, request unsafe.Pointer, requestLen C.size_t, response *C.cliproxy_buffer) C.int {
	if response != nil {
		response.ptr = nil
		response.len = 0
	}
	if method == nil {
		writeResponse(response, errorEnvelope(&Error{Code: "invalid_method", Message: "method is required"}))
		return 1
	}
	var req []byte
	if request != nil && requestLen > 0 {
		req = make([]byte, int(requestLen))
		copy(req, unsafe.Slice((*byte)(request), int(requestLen)))
	}
	writeResponse(response, dispatch(handler, C.GoString(method), req))
	return 0
}

// cliproxyGoShutdown is the plugin table's shutdown hook. The host calls it at most once,
// after all calls have returned; HostCall still works while the handler's Shutdown runs.
//
//export cliproxyGoShutdown
func cliproxyGoShutdown() {
	defer host.Store(nil)
	if s, ok := handler.(Shutdowner); ok {
		defer func() { _ = recover() }() // a panic must not cross into the host
		s.Shutdown()
	}
}

// writeResponse copies the envelope into malloc'd memory owned by the host until it calls
// free_buffer. A NULL response buffer means the host does not want the reply.
func writeResponse(response *C.cliproxy_buffer, envelope []byte) {
	if response == nil || len(envelope) == 0 {
		return
	}
	response.ptr = C.CBytes(envelope)
	response.len = C.size_t(len(envelope))
}

// envelope is the wire shape of every reply, in both directions.
type envelope struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// dispatch runs one call and always produces an envelope: handler errors and panics
// become error envelopes, so the host never sees a Go panic.
func dispatch(h Handler, method string, request []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = errorEnvelope(&Error{Code: "plugin_panic", Message: fmt.Sprintf("panic in %s: %v", method, r), HTTPStatus: 500})
		}
	}()
	result, err := h.Handle(method, request)
	if err != nil {
		return errorEnvelope(err)
	}
	raw := json.RawMessage(`{}`)
	if result != nil {
		raw, err = json.Marshal(result)
		if err != nil {
			return errorEnvelope(fmt.Errorf("encode result of %s: %w", method, err))
		}
	}
	out, err = json.Marshal(envelope{OK: true, Result: raw})
	if err != nil { // only possible if raw is not valid JSON (a bad json.RawMessage)
		return errorEnvelope(fmt.Errorf("encode result of %s: %w", method, err))
	}
	return out
}

// errorEnvelope encodes err as {"ok":false,"error":{...}}. An *Error anywhere in the
// chain keeps its code and status; any other error is reported as "plugin_error".
func errorEnvelope(err error) []byte {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: "plugin_error", Message: err.Error()}
	}
	out, _ := json.Marshal(envelope{Error: e}) // strings and an int cannot fail to encode
	return out
}
