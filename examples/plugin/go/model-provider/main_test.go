package main

import (
	"encoding/json"
	"slices"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestStringList(t *testing.T) {
	cases := []struct {
		in   any
		want []string
	}{
		{[]any{"a", " b ", 3.0, "", nil, "c"}, []string{"a", "b", "c"}},
		{"a, b,,c ", []string{"a", "b", "c"}},
		{"", []string{}},
		{nil, []string{}},
		{42.0, []string{}},
		{map[string]any{"a": "b"}, []string{}},
	}
	for _, c := range cases {
		if got := stringList(c.in); !slices.Equal(got, c.want) {
			t.Errorf("stringList(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestModelsForAuth(t *testing.T) {
	var req cliproxy.AuthModelRequest
	_ = json.Unmarshal([]byte(`{"AuthProvider":"echo-go","Metadata":{"models":["m1","m2"]}}`), &req)
	res, _ := modelsForAuth("", req)
	if raw, _ := json.Marshal(res); string(raw) != `{"Provider":"echo-go","Models":[`+
		`{"ID":"m1","Object":"model","OwnedBy":"model-provider-go"},{"ID":"m2","Object":"model","OwnedBy":"model-provider-go"}]}` {
		t.Errorf("ours: %s", raw)
	}
	req.AuthProvider = "claude"
	res, _ = modelsForAuth("", req)
	if raw, _ := json.Marshal(res); string(raw) != `{"Provider":"","Models":[]}` {
		t.Errorf("not ours: %s", raw)
	}
}
