// Command management is the "management-go" example: it adds two management API routes,
//
//	GET  /v0/management/example-go/status   the number of management.handle calls, as JSON
//	POST /v0/management/example-go/echo     the request's JSON body, echoed
//
// and a status page under its resource path, /v0/resource/plugins/<plugin id>/status
// (served without management authentication).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/management-go.so ./management
package main

import (
	"fmt"
	"net/http"
	"sync/atomic"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name = "management-go"
	// managementBase is where the host mounts management routes (the BasePath of
	// management.register); the routes are registered relative to it.
	managementBase = "/v0/management"
	statusRoute    = "/example-go/status"
	echoRoute      = "/example-go/echo"
	statusResource = "/status"
)

func init() {
	m := &management{}
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{ManagementAPI: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodManagementRegister: cliproxy.Decoded(m.register),
			cliproxy.MethodManagementHandle:   cliproxy.Decoded(m.handle),
		},
	})
}

// management counts handle calls and remembers the resource path, which the host derives
// from the plugin ID and tells only in management.register.
type management struct {
	calls     atomic.Int64
	resources cliproxy.ResourceBase
}

func (m *management) register(_ cliproxy.Config, req cliproxy.ManagementRegistrationRequest) (any, error) {
	m.resources.Set(req.ResourceBasePath)
	return cliproxy.ManagementRegistrationResponse{
		Routes: []cliproxy.ManagementRoute{
			{Method: http.MethodGet, Path: statusRoute, Description: "call count as JSON"},
			{Method: http.MethodPost, Path: echoRoute, Description: "echoes the JSON body"},
		},
		Resources: []cliproxy.ResourceRoute{
			{Path: statusResource, Menu: "Example (go)", Description: "status page"},
		},
	}, nil
}

// handle serves every route: the host calls this one method and we dispatch on Method
// and the full Path. Every call counts, also those answered with 404.
func (m *management) handle(_ cliproxy.Config, req cliproxy.ManagementRequest) (any, error) {
	calls := m.calls.Add(1)
	switch {
	case req.Method == http.MethodGet && req.Path == managementBase+statusRoute:
		return cliproxy.EncodeJSONResponse(http.StatusOK, status{Plugin: name, Calls: calls})
	case req.Method == http.MethodPost && req.Path == managementBase+echoRoute:
		return cliproxy.JSONResponse(http.StatusOK, req.Body), nil
	case req.Method == http.MethodGet && m.resources.Is(req.Path, statusResource):
		page := fmt.Sprintf("<!doctype html><title>%[1]s</title><h1>%[1]s</h1><p>calls: %[2]d</p>", name, calls)
		return cliproxy.ManagementResponse{StatusCode: http.StatusOK, Headers: cliproxy.ContentType("text/html; charset=utf-8"), Body: []byte(page)}, nil
	}
	return cliproxy.NotFound(), nil
}

// status is the body of the status route.
type status struct {
	Plugin string `json:"plugin"`
	Calls  int64  `json:"calls"`
}
