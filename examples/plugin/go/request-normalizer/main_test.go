package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestAppendToLastMessage(t *testing.T) {
	cases := map[string]string{
		`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}],"stream":true}`: `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"hi!"}],"stream":true}`,
		// Member order of the message is kept, and other bytes of the body too.
		`{"messages":[{"content":"a\u00e9<","role":"user","name":"n"}], "z": [1, 2]}`: `{"messages":[{"content":"aé<!","role":"user","name":"n"}],"z":[1, 2]}`,
	}
	for in, want := range cases {
		got, ok := appendToLastMessage([]byte(in), "!")
		if !ok || string(got) != want {
			t.Errorf("appendToLastMessage(%s)\n got %s, %v\nwant %s", in, got, ok, want)
		}
	}
	for _, decline := range []string{
		`{"messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}]}`,
		`{"messages":[{"role":"user","content":null}]}`,
		`{"messages":[{"role":"user"}]}`,
		`{"messages":["junk"]}`,
		`{"messages":[]}`,
		`{"messages":{}}`,
		`{}`,
		`[{"messages":[]}]`,
		`not json`,
	} {
		if got, ok := appendToLastMessage([]byte(decline), "!"); ok {
			t.Errorf("appendToLastMessage(%s) = %s, want a decline", decline, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	body := []byte(`{"messages":[{"role":"user","content":"hi"}]}`)
	cases := []struct {
		cfg      cliproxy.Config
		toFormat string
		want     string
	}{
		{"", "openai", `{"messages":[{"role":"user","content":"hi [normalized by go]"}]}`},
		{`suffix: " (x)"`, "openai", `{"messages":[{"role":"user","content":"hi (x)"}]}`},
		{"", "claude", ""},
	}
	for _, c := range cases {
		res, err := normalize(c.cfg, cliproxy.RequestTransformRequest{FromFormat: "openai", ToFormat: c.toFormat, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.(cliproxy.PayloadResponse).Body); got != c.want {
			t.Errorf("normalize(%q, %s) = %s, want %s", c.cfg, c.toFormat, got, c.want)
		}
		if raw, _ := json.Marshal(res); c.want == "" && string(raw) != `{}` {
			t.Errorf("decline encodes as %s", raw)
		}
	}
}
