package main

import (
	"encoding/json"
	"errors"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestPick(t *testing.T) {
	req := cliproxy.SchedulerPickRequest{Candidates: []cliproxy.SchedulerAuthCandidate{{ID: "b.json"}, {ID: "a.json"}}}
	cases := map[cliproxy.Config]string{
		"auth-id: a.json":                       `{"AuthID":"a.json","Handled":true}`,
		"mode: pick\nauth-id: c.json":           `{"Handled":false}`,
		"mode: pick":                            `{"Handled":false}`,
		"mode: delegate":                        `{"DelegateBuiltin":"fill-first","Handled":true}`,
		"mode: delegate\ndelegate: round-robin": `{"DelegateBuiltin":"round-robin","Handled":true}`,
		"mode: typo":                            `{"Handled":false}`,
	}
	for cfg, want := range cases {
		res, err := pick(cfg, req)
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := json.Marshal(res); string(raw) != want {
			t.Errorf("pick with %q = %s, want %s", cfg, raw, want)
		}
	}
	var e *cliproxy.Error
	if _, err := pick("mode: deny", req); !errors.As(err, &e) || e.Code != "denied" || e.HTTPStatus != 403 ||
		e.Message != "scheduler-go denied the request" {
		t.Errorf("deny: %v", err)
	}
}
