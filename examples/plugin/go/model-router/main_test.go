package main

import (
	"encoding/json"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestRoute(t *testing.T) {
	unhandled := `{"Handled":false}`
	cases := map[string]string{
		"self":                      `{"Handled":true,"TargetKind":"self","Reason":"header"}`,
		"  self\t":                  `{"Handled":true,"TargetKind":"self","Reason":"header"}`,
		"provider:codex":            `{"Handled":true,"TargetKind":"provider","Target":"codex","Reason":"header"}`,
		"provider:codex:gpt-5-mini": `{"Handled":true,"TargetKind":"provider","Target":"codex","TargetModel":"gpt-5-mini","Reason":"header"}`,
		"provider:x:org:model":      `{"Handled":true,"TargetKind":"provider","Target":"x","TargetModel":"org:model","Reason":"header"}`,
		"provider:codex:":           `{"Handled":true,"TargetKind":"provider","Target":"codex","Reason":"header"}`,
		"executor:executor-go":      `{"Handled":true,"TargetKind":"executor","Target":"executor-go","Reason":"header"}`,
		"executor:a:b":              `{"Handled":true,"TargetKind":"executor","Target":"a:b","Reason":"header"}`,
		"":                          unhandled,
		"Self":                      unhandled,
		"selfish":                   unhandled,
		"provider:":                 unhandled,
		"provider::model":           unhandled,
		"executor:":                 unhandled,
		"executor: ":                unhandled,
		"router:x":                  unhandled,
	}
	for header, want := range cases {
		if raw, _ := json.Marshal(route(header)); string(raw) != want {
			t.Errorf("route(%q) = %s, want %s", header, raw, want)
		}
	}
}

func TestRouteModelReadsTheHeader(t *testing.T) {
	var req cliproxy.ModelRouteRequest
	if err := json.Unmarshal([]byte(`{"Headers":{"X-Example-Route":["provider:claude","self"]}}`), &req); err != nil {
		t.Fatal(err)
	}
	res, _ := routeModel("", req)
	if got := res.(cliproxy.ModelRouteResponse); got.TargetKind != cliproxy.RouteProvider || got.Target != "claude" {
		t.Errorf("first header value not used: %+v", got)
	}
	res, _ = routeModel("", cliproxy.ModelRouteRequest{})
	if res.(cliproxy.ModelRouteResponse).Handled {
		t.Error("no header, but handled")
	}
}

func TestAnswer(t *testing.T) {
	got, err := answer(cliproxy.ExecutorRequest{Model: "m", Payload: []byte(`{"messages":[{"role":"user","content":"hi"}]}`)})
	if err != nil || got != "router-go executor answered m: hi" {
		t.Errorf("answer = %q, %v", got, err)
	}
	if _, err := answer(cliproxy.ExecutorRequest{Payload: []byte(`nope`)}); err == nil {
		t.Error("non-JSON payload accepted")
	}
}
