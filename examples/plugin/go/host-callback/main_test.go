package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
	"cliproxy.dev/examples/plugin/cliproxy/hosttest"
)

const base = "/v0/resource/plugins/hc"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func newPlugin(t *testing.T, host *hosttest.Host) *plugin {
	t.Helper()
	p := &plugin{call: host.Call}
	reg, err := p.register("", cliproxy.ManagementRegistrationRequest{BasePath: "/v0/management", ResourceBasePath: base})
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(reg); string(raw) != `{"routes":[],"resources":[{"Path":"/callbacks","Menu":"Host callbacks (go)",`+
		`"Description":"calls host.log, host.http.do and host.model.execute"}]}` {
		t.Errorf("register: %s", raw)
	}
	return p
}

func get(t *testing.T, p *plugin, cfg cliproxy.Config, method, path string) cliproxy.ManagementResponse {
	t.Helper()
	res, err := p.handle(cfg, cliproxy.ManagementRequest{Method: method, Path: path, HostCallbackID: "7"})
	if err != nil {
		t.Fatal(err)
	}
	return res.(cliproxy.ManagementResponse)
}

func TestCallbacks(t *testing.T) {
	completion := `{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,` +
		`"message":{"role":"assistant","content":"hi <there>"},"finish_reason":"stop"}]}`
	host := (&hosttest.Host{}).
		On(cliproxy.HostHTTPDo, hosttest.Reply{Result: `{"StatusCode":503,"Headers":{"Content-Type":["text/plain"]},"Body":"` +
			b64(strings.Repeat("é", 150)) + `"}`}).
		On(cliproxy.HostModelExecute, hosttest.Reply{Result: `{"status_code":200,"headers":null,"body":"` + b64(completion) + `"}`})
	p := newPlugin(t, host)

	res := get(t, p, "url: http://example.test/x\nmodel: m\n", "GET", base+"/callbacks")
	// 200 bytes of 150 two-byte characters: 100 of them; cut at a character boundary here.
	want := `{"log":"ok","http":{"status":503,"body":"` + strings.Repeat("é", 100) + `"},"model":{"content":"hi <there>"}}`
	if res.StatusCode != 200 || res.Headers["Content-Type"][0] != "application/json" || string(res.Body) != want {
		t.Errorf("page = %d %v\n%s\nwant %s", res.StatusCode, res.Headers, res.Body, want)
	}
	wantCalls := `host.log {"host_callback_id":"7","level":"info","message":"host-callback-go page requested","fields":{"lang":"go"}}` + "\n" +
		`host.http.do {"method":"GET","url":"http://example.test/x","headers":{"User-Agent":["host-callback-go"]},"host_callback_id":"7"}` + "\n" +
		`host.model.execute {"entry_protocol":"openai","exit_protocol":"openai","model":"m","stream":false,"body":"` +
		b64(`{"model":"m","messages":[{"role":"user","content":"hello from host-callback-go"}]}`) + `","host_callback_id":"7"}`
	if got := host.Calls(); got != wantCalls {
		t.Errorf("calls:\n%s\nwant\n%s", got, wantCalls)
	}
}

func TestCallbacksFailures(t *testing.T) {
	host := (&hosttest.Host{}).
		On(cliproxy.HostLog, hosttest.Reply{Error: "log broke"}).
		On(cliproxy.HostHTTPDo, hosttest.Reply{Error: "unsupported host callback host.http.do"}).
		On(cliproxy.HostModelExecute, hosttest.Reply{Error: "model execution failed with status 502"})
	p := newPlugin(t, host)
	res := get(t, p, "", "GET", base+"/callbacks")
	want := `{"log":{"error":"log broke"},"http":{"error":"unsupported host callback host.http.do"},` +
		`"model":{"error":"model execution failed with status 502"}}`
	if res.StatusCode != 200 || string(res.Body) != want {
		t.Errorf("page = %d %s", res.StatusCode, res.Body)
	}
	// The defaults of url and model.
	calls := host.Calls()
	if !strings.Contains(calls, `"url":"http://127.0.0.1:8317/healthz"`) || !strings.Contains(calls, `"model":"example-echo-go"`) {
		t.Errorf("calls without config:\n%s", calls)
	}

	// A model reply that is not a chat completion.
	host.On(cliproxy.HostModelExecute, hosttest.Reply{Result: `{"status_code":200,"body":"` + b64(`{"choices":[]}`) + `"}`})
	if res := get(t, p, "", "GET", base+"/callbacks"); !strings.HasSuffix(string(res.Body), `"model":{"error":"model reply has no choices"}}`) {
		t.Errorf("no choices: %s", res.Body)
	}
}

func TestNotFound(t *testing.T) {
	host := &hosttest.Host{}
	p := &plugin{call: host.Call}
	// Before management.register there is no resource path.
	if res := get(t, p, "", "GET", base+"/callbacks"); res.StatusCode != 404 || string(res.Body) != `{"error":"not found"}` {
		t.Errorf("before register: %d %s", res.StatusCode, res.Body)
	}
	p = newPlugin(t, host)
	for _, c := range []struct{ method, path string }{
		{"POST", base + "/callbacks"},
		{"GET", base + "/callbacks/x"},
		{"GET", "/v0/resource/plugins/other/callbacks"},
	} {
		if res := get(t, p, "", c.method, c.path); res.StatusCode != 404 || string(res.Body) != `{"error":"not found"}` {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.StatusCode, res.Body)
		}
	}
	if calls := host.Calls(); calls != "" {
		t.Errorf("404s called the host:\n%s", calls)
	}
}
