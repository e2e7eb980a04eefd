package main

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
	"cliproxy.dev/examples/plugin/cliproxy/hosttest"
)

const base = "/v0/resource/plugins/hmc"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func newPlugin(t *testing.T, host *hosttest.Host) *plugin {
	t.Helper()
	p := &plugin{call: host.Call}
	reg, err := p.register("", cliproxy.ManagementRegistrationRequest{BasePath: "/v0/management", ResourceBasePath: base})
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(reg); string(raw) != `{"routes":[],"resources":[{"Path":"/stream","Menu":"Nested model stream (go)",`+
		`"Description":"streams a nested model run"}]}` {
		t.Errorf("register: %s", raw)
	}
	return p
}

func get(t *testing.T, p *plugin, cfg cliproxy.Config, method, path string, query map[string][]string) cliproxy.ManagementResponse {
	t.Helper()
	res, err := p.handle(cfg, cliproxy.ManagementRequest{Method: method, Path: path, Query: query, HostCallbackID: "9"})
	if err != nil {
		t.Fatal(err)
	}
	return res.(cliproxy.ManagementResponse)
}

// chunk is a stream_read result carrying one chat.completion.chunk with the delta.
func chunk(delta string) hosttest.Reply {
	payload := `{"id":"c","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}`
	return hosttest.Reply{Result: `{"payload":"` + b64(payload) + `","error":"","done":false}`}
}

var done = hosttest.Reply{Result: `{"payload":null,"error":"","done":true}`}

func TestStream(t *testing.T) {
	host := (&hosttest.Host{}).
		On(cliproxy.HostModelExecuteStream, hosttest.Reply{Result: `{"status_code":200,"headers":null,"stream_id":"4"}`}).
		On(cliproxy.HostModelStreamRead,
			chunk(`{"role":"assistant","content":"a "}`), chunk(`{"content":"b"}`), chunk(`{}`),
			hosttest.Reply{Result: `{"payload":"bm90IGpzb24=","error":"","done":false}`}, // not JSON: counted, no text
			done)
	p := newPlugin(t, host)
	res := get(t, p, "model: m", "GET", base+"/stream", map[string][]string{"text": {"a b"}})
	want := `{"stream_id":"4","chunks":4,"text":"a b","error":"","closed":true}`
	if res.StatusCode != 200 || res.Headers["Content-Type"][0] != "application/json" || string(res.Body) != want {
		t.Errorf("page = %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	read := "\n" + `host.model.stream_read {"stream_id":"4"}`
	wantCalls := `host.model.execute_stream {"entry_protocol":"openai","model":"m","stream":true,"body":"` +
		b64(`{"model":"m","stream":true,"messages":[{"role":"user","content":"a b"}]}`) + `","host_callback_id":"9"}` +
		read + read + read + read + read + "\n" +
		`host.model.stream_close {"stream_id":"4"}`
	if got := host.Calls(); got != wantCalls {
		t.Errorf("calls:\n%s\nwant\n%s", got, wantCalls)
	}
}

func TestStreamLeftOpenWithError(t *testing.T) {
	host := (&hosttest.Host{}).
		On(cliproxy.HostModelExecuteStream, hosttest.Reply{Result: `{"status_code":200,"headers":null,"stream_id":"5"}`}).
		On(cliproxy.HostModelStreamRead, chunk(`{"content":"x"}`), hosttest.Reply{Result: `{"payload":null,"error":"terminal boom","done":true}`})
	p := newPlugin(t, host)
	res := get(t, p, "", "GET", base+"/stream", map[string][]string{"leave-open": {"1"}})
	if want := `{"stream_id":"5","chunks":1,"text":"x","error":"terminal boom","closed":false}`; res.StatusCode != 200 || string(res.Body) != want {
		t.Errorf("page = %d %s", res.StatusCode, res.Body)
	}
	wantCalls := `host.model.execute_stream {"entry_protocol":"openai","model":"example-echo-go","stream":true,"body":"` +
		b64(`{"model":"example-echo-go","stream":true,"messages":[{"role":"user","content":"one two three"}]}`) + `","host_callback_id":"9"}` + "\n" +
		`host.model.stream_read {"stream_id":"5"}` + "\n" + `host.model.stream_read {"stream_id":"5"}`
	if got := host.Calls(); got != wantCalls {
		t.Errorf("calls:\n%s\nwant\n%s", got, wantCalls)
	}
}

func TestStreamFailures(t *testing.T) {
	host := (&hosttest.Host{}).On(cliproxy.HostModelExecuteStream, hosttest.Reply{Error: "model execution failed with status 502"})
	p := newPlugin(t, host)
	res := get(t, p, "", "GET", base+"/stream", nil)
	if res.StatusCode != 502 || res.Headers["Content-Type"][0] != "application/json" || string(res.Body) != `{"error":"model execution failed with status 502"}` {
		t.Errorf("start failure: %d %s", res.StatusCode, res.Body)
	}

	// A failing read call ends the loop; the stream is still closed.
	host.On(cliproxy.HostModelExecuteStream, hosttest.Reply{Result: `{"stream_id":"6"}`}).
		On(cliproxy.HostModelStreamRead, hosttest.Reply{Error: "model stream id is required"})
	res = get(t, p, "", "GET", base+"/stream", nil)
	if want := `{"stream_id":"6","chunks":0,"text":"","error":"model stream id is required","closed":true}`; string(res.Body) != want {
		t.Errorf("read failure: %s", res.Body)
	}

	// A stream that never ends is given up after maxReads reads.
	host.On(cliproxy.HostModelStreamRead, chunk(`{"content":""}`))
	res = get(t, p, "", "GET", base+"/stream", nil)
	if want := `{"stream_id":"6","chunks":10000,"text":"","error":"stream 6 did not end within 10000 reads","closed":true}`; string(res.Body) != want {
		t.Errorf("endless stream: %s", res.Body)
	}
}

func TestNotFound(t *testing.T) {
	host := &hosttest.Host{}
	p := &plugin{call: host.Call}
	if res := get(t, p, "", "GET", base+"/stream", nil); res.StatusCode != 404 || string(res.Body) != `{"error":"not found"}` {
		t.Errorf("before register: %d %s", res.StatusCode, res.Body)
	}
	p = newPlugin(t, host)
	for _, c := range []struct{ method, path string }{{"POST", base + "/stream"}, {"GET", base + "/streams"}, {"GET", "/stream"}} {
		if res := get(t, p, "", c.method, c.path, nil); res.StatusCode != 404 || string(res.Body) != `{"error":"not found"}` {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.StatusCode, res.Body)
		}
	}
	if calls := host.Calls(); calls != "" {
		t.Errorf("404s called the host:\n%s", calls)
	}
}
