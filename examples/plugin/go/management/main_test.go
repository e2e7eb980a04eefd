package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestManagement(t *testing.T) {
	m := &management{}
	call := func(method, path, body string) cliproxy.ManagementResponse {
		t.Helper()
		req := cliproxy.ManagementRequest{Method: method, Path: path}
		if body != "" {
			req.Body = []byte(body)
		}
		res, err := m.handle("", req)
		if err != nil {
			t.Fatal(err)
		}
		return res.(cliproxy.ManagementResponse)
	}
	// Before management.register there is no resource path to serve.
	if res := call("GET", "/status", ""); res.StatusCode != 404 || string(res.Body) != `{"error":"not found"}` {
		t.Errorf("resource before register: %+v", res)
	}
	reg, _ := m.register("", cliproxy.ManagementRegistrationRequest{BasePath: "/v0/management", ResourceBasePath: "/v0/resource/plugins/mgmt"})
	if raw, _ := json.Marshal(reg); string(raw) != `{"routes":[`+
		`{"Method":"GET","Path":"/example-go/status","Description":"call count as JSON"},`+
		`{"Method":"POST","Path":"/example-go/echo","Description":"echoes the JSON body"}],`+
		`"resources":[{"Path":"/status","Menu":"Example (go)","Description":"status page"}]}` {
		t.Errorf("register: %s", raw)
	}
	cases := []struct {
		method, path, body string
		status             int
		contentType, want  string
	}{
		{"GET", "/v0/management/example-go/status", "", 200, "application/json", `{"plugin":"management-go","calls":2}`},
		{"POST", "/v0/management/example-go/echo", `{"x": ["<y>"]}`, 200, "application/json", `{"x": ["<y>"]}`},
		{"GET", "/v0/resource/plugins/mgmt/status", "", 200, "text/html; charset=utf-8",
			`<!doctype html><title>management-go</title><h1>management-go</h1><p>calls: 4</p>`},
		{"POST", "/v0/management/example-go/status", "", 404, "application/json", `{"error":"not found"}`},
		{"GET", "/v0/management/example-go/echo", "", 404, "application/json", `{"error":"not found"}`},
		{"GET", "/v0/resource/plugins/other/status", "", 404, "application/json", `{"error":"not found"}`},
		{"GET", "/v0/management/example-go/status", "", 200, "application/json", `{"plugin":"management-go","calls":8}`},
	}
	for _, c := range cases {
		res := call(c.method, c.path, c.body)
		if res.StatusCode != c.status || res.Headers["Content-Type"][0] != c.contentType || string(res.Body) != c.want {
			t.Errorf("%s %s = %d %v %s", c.method, c.path, res.StatusCode, res.Headers, res.Body)
		}
	}
}
