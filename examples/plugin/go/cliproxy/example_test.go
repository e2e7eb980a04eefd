package cliproxy

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
)

func lifecycle(yaml string) []byte {
	return []byte(`{"config_yaml":"` + base64.StdEncoding.EncodeToString([]byte(yaml)) + `","schema_version":3}`)
}

// handle runs one call through dispatch, as the host would see it.
func handle(h Handler, method string, request []byte) string {
	return string(dispatch(h, method, request))
}

func TestExampleRegistersAndKeepsConfig(t *testing.T) {
	e := &Example{
		Name:         "demo-go",
		ConfigFields: []ConfigField{{Name: "greeting", Type: "string"}},
		Capabilities: func(cfg Config) Capabilities {
			return Capabilities{Scheduler: true, FrontendAuthProviderExclusive: cfg.Bool("exclusive")}
		},
		Methods: map[string]Method{
			"demo.greet": func(cfg Config, request []byte) (any, error) {
				return map[string]string{"greeting": cfg.Value("greeting", "hello"), "request": string(request)}, nil
			},
		},
	}
	if got := handle(e, "demo.greet", []byte(`{}`)); got != `{"ok":true,"result":{"greeting":"hello","request":"{}"}}` {
		t.Errorf("before register: %s", got)
	}
	want := `{"ok":true,"result":{"schema_version":3,"metadata":{"Name":"demo-go","Version":"0.1.0",` +
		`"Author":"cliproxy examples","GitHubRepository":"https://github.com/cliproxy/cliproxy","Logo":"",` +
		`"ConfigFields":[{"Name":"greeting","Type":"string","EnumValues":null,"Description":""}]},` +
		`"capabilities":{"frontend_auth_provider_exclusive":true,"scheduler":true}}}`
	if got := handle(e, MethodPluginRegister, lifecycle("exclusive: true\ngreeting: hi\n")); got != want {
		t.Errorf("register:\n got %s\nwant %s", got, want)
	}
	if got := handle(e, "demo.greet", nil); got != `{"ok":true,"result":{"greeting":"hi","request":""}}` {
		t.Errorf("after register: %s", got)
	}
	// reconfigure replaces the config and re-declares the capabilities.
	if got := handle(e, MethodPluginReconfigure, lifecycle("")); got != `{"ok":true,"result":{"schema_version":3,`+
		`"metadata":{"Name":"demo-go","Version":"0.1.0","Author":"cliproxy examples","GitHubRepository":`+
		`"https://github.com/cliproxy/cliproxy","Logo":"","ConfigFields":[{"Name":"greeting","Type":"string",`+
		`"EnumValues":null,"Description":""}]},"capabilities":{"scheduler":true}}}` {
		t.Errorf("reconfigure: %s", got)
	}
	if e.Config() != "" {
		t.Errorf("config after reconfigure = %q", e.Config())
	}
	if got := handle(e, "demo.other", nil); got != `{"ok":false,"error":{"code":"unknown_method","message":"unknown method demo.other"}}` {
		t.Errorf("unknown method: %s", got)
	}
	if got := handle(e, MethodPluginRegister, []byte(`{"config_yaml":"%%%"}`)); got[:60] != `{"ok":false,"error":{"code":"invalid_request","message":"dec` {
		t.Errorf("bad register: %s", got)
	}
}

func TestDecoded(t *testing.T) {
	m := Decoded(func(cfg Config, req SchedulerPickRequest) (any, error) {
		if len(req.Candidates) == 0 {
			return nil, errors.New("no candidates")
		}
		return req.Candidates[0].ID + "@" + string(cfg), nil
	})
	got, err := m("cfg", []byte(`{"Candidates":[{"ID":"a.json"}]}`))
	if err != nil || got != "a.json@cfg" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := m("", []byte(`{}`)); err == nil || err.Error() != "no candidates" {
		t.Errorf("handler error not passed on: %v", err)
	}
	_, err = m("", []byte(`{"Candidates":"x"}`))
	var e *Error
	if !errors.As(err, &e) || e.Code != "invalid_request" || e.HTTPStatus != 400 ||
		e.Message[:38] != "decode cliproxy.SchedulerPickRequest: " {
		t.Errorf("bad request: %v", err)
	}
}

func TestIdentifier(t *testing.T) {
	got, _ := Identifier("think-go")("", nil)
	if raw, _ := json.Marshal(got); string(raw) != `{"identifier":"think-go"}` {
		t.Errorf("identifier reply %s", raw)
	}
}

func TestFirstHeader(t *testing.T) {
	h := map[string][]string{"X-Example-Route": {"self", "other"}, "x-lower": {"v"}, "Empty": {}}
	cases := map[string]string{
		"X-Example-Route": "self",
		"x-example-route": "self",
		"X-Lower":         "v",
		"Empty":           "",
		"Missing":         "",
	}
	for name, want := range cases {
		if got := FirstHeader(h, name); got != want {
			t.Errorf("FirstHeader(%q) = %q, want %q", name, got, want)
		}
	}
	if got := FirstHeader(nil, "X"); got != "" {
		t.Errorf("nil headers: %q", got)
	}
}

func TestConfigReaders(t *testing.T) {
	cfg := Config("mode: deny\nempty:\ntokens: ' a, b ,,c '\nyes: yes\non: On\nt: TRUE\nf: false\nnum: 1\n")
	if got := cfg.Value("mode", "pick"); got != "deny" {
		t.Errorf("Value(mode) = %q", got)
	}
	for _, key := range []string{"empty", "missing"} {
		if got := cfg.Value(key, "fallback"); got != "fallback" {
			t.Errorf("Value(%s) = %q, want the fallback", key, got)
		}
	}
	if got := cfg.List("tokens", "x"); len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("List(tokens) = %q", got)
	}
	if got := cfg.List("missing", "secret-go"); len(got) != 1 || got[0] != "secret-go" {
		t.Errorf("List fallback = %q", got)
	}
	if got := cfg.List("missing", ""); got != nil {
		t.Errorf("empty List = %q", got)
	}
	for key, want := range map[string]bool{"yes": true, "on": true, "t": true, "f": false, "num": false, "missing": false, "mode": false} {
		if got := cfg.Bool(key); got != want {
			t.Errorf("Bool(%s) = %v, want %v", key, got, want)
		}
	}
}
