// Package hosttest is a scripted stand-in for the host's callbacks, for the tests of
// examples that call the host through a cliproxy.HostCaller.
package hosttest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"cliproxy.dev/examples/plugin/cliproxy"
)

// Reply is one scripted answer: Result (a JSON object) when Error is empty, else the
// envelope error {"code":"host_call_failed","message":Error}, as the host reports every
// callback failure.
type Reply struct {
	Result string
	Error  string
}

// Host answers host calls from a script and records them. The zero Host answers every
// method with {}. Safe for concurrent use.
type Host struct {
	mu      sync.Mutex
	replies map[string][]Reply
	calls   []string
}

// On scripts the replies to method, used in order; the last one then repeats.
func (h *Host) On(method string, replies ...Reply) *Host {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.replies == nil {
		h.replies = map[string][]Reply{}
	}
	h.replies[method] = replies
	return h
}

// Call is a cliproxy.HostCaller. It encodes the request as cliproxy.HostCall does
// and records "<method> <request JSON>".
func (h *Host) Call(method string, request any) (json.RawMessage, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return nil, fmt.Errorf("host call %s: encode request: %w", method, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, method+" "+string(body))
	reply := Reply{Result: "{}"}
	if script := h.replies[method]; len(script) > 0 {
		reply = script[0]
		if len(script) > 1 {
			h.replies[method] = script[1:]
		}
	}
	if reply.Error != "" {
		return nil, &cliproxy.Error{Code: "host_call_failed", Message: reply.Error}
	}
	return json.RawMessage(reply.Result), nil
}

// Calls returns the calls made so far, one "<method> <request JSON>" per call, joined
// by newlines.
func (h *Host) Calls() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.calls, "\n")
}
