package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestApply(t *testing.T) {
	config := cliproxy.ThinkingConfig{Mode: "level", Budget: 0, Level: "high"}
	thinking := `{"mode":"level","budget":0,"level":"high","applied_by":"go"}`
	cases := map[string]string{
		`{"model":"m","thinking":{"budget_tokens":1},"x":[1, 2]}`: `{"model":"m","thinking":` + thinking + `,"x":[1, 2]}`,
		`{"model":"m"}`: `{"thinking":` + thinking + `,"model":"m"}`,
		`{}`:            `{"thinking":` + thinking + `}`,
		`[1]`:           ``,
		`nope`:          ``,
	}
	for in, want := range cases {
		res, err := apply("", cliproxy.ThinkingApplyRequest{Provider: "think-go", Config: config, Body: []byte(in)})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.(cliproxy.PayloadResponse).Body); got != want {
			t.Errorf("apply(%s)\n got %s\nwant %s", in, got, want)
		}
	}
	var req cliproxy.ThinkingApplyRequest
	if err := json.Unmarshal([]byte(`{"Provider":"think-go","Model":{"ID":"m"},"Config":{"Mode":"budget","Budget":8192,"Level":""},"Body":"e30="}`), &req); err != nil {
		t.Fatal(err)
	}
	res, _ := apply("", req)
	if got := string(res.(cliproxy.PayloadResponse).Body); got != `{"thinking":{"mode":"budget","budget":8192,"level":"","applied_by":"go"}}` {
		t.Errorf("decoded request: %s", got)
	}
}
