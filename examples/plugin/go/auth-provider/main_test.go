package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func TestParse(t *testing.T) {
	raw := []byte(`{"type":"token-go","label":"me","disabled":true,"access_token":"a"}`)
	res, _ := parse("", cliproxy.AuthParseRequest{FileName: "t.json", RawJSON: raw})
	got := res.(cliproxy.AuthParseResponse)
	if !got.Handled || got.Auth.Provider != provider || got.Auth.FileName != "t.json" || got.Auth.Label != "me" ||
		!got.Auth.Disabled || string(got.Auth.StorageJSON) != string(raw) || got.Auth.Metadata["access_token"] != "a" {
		t.Errorf("parse = %+v", got.Auth)
	}
	for _, other := range []string{`{"type":"claude"}`, `{"label":"x"}`, `[]`, `nope`, ``} {
		res, _ := parse("", cliproxy.AuthParseRequest{RawJSON: []byte(other)})
		if raw, _ := json.Marshal(res); string(raw) != `{"Handled":false}` {
			t.Errorf("parse(%s) = %s", other, raw)
		}
	}
}

func TestStartLogin(t *testing.T) {
	res, err := startLogin("authorize-url: https://idp.test/a", cliproxy.AuthLoginStartRequest{BaseURL: "http://127.0.0.1:8317/cb?x=1"})
	if err != nil {
		t.Fatal(err)
	}
	got := res.(cliproxy.AuthLoginStartResponse)
	if !regexp.MustCompile(`^go-[0-9a-f]{16}$`).MatchString(got.State) {
		t.Errorf("state %q", got.State)
	}
	if want := "https://idp.test/a?state=" + got.State + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8317%2Fcb%3Fx%3D1"; got.URL != want {
		t.Errorf("URL %s, want %s", got.URL, want)
	}
	other, _ := startLogin("", cliproxy.AuthLoginStartRequest{})
	if s := other.(cliproxy.AuthLoginStartResponse); s.State == got.State || !strings.HasPrefix(s.URL, defaultURL+"?state=") {
		t.Errorf("second login %+v", s)
	}
}

func TestPollLogin(t *testing.T) {
	dir := t.TempDir()
	req := cliproxy.AuthLoginPollRequest{Provider: provider, State: "go-0123456789abcdef", Host: cliproxy.HostConfigSummary{AuthDir: dir}}
	path := filepath.Join(dir, ".oauth-token-go-go-0123456789abcdef.oauth")
	poll := func(file string) string {
		t.Helper()
		if file != "" {
			if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		res, err := pollLogin("", req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(res)
		return string(raw)
	}
	if got := poll(""); got != `{"Status":"pending"}` {
		t.Errorf("no file: %s", got)
	}
	if got := poll(`{"code":"","sta`); got != `{"Status":"pending"}` {
		t.Errorf("half-written file: %s", got)
	}
	if got := poll(`{"code":"","state":"s","error":""}`); got != `{"Status":"pending"}` {
		t.Errorf("empty result: %s", got)
	}
	if got := poll(`{"code":"","state":"s","error":"access_denied"}`); got != `{"Status":"error","Message":"login failed: access_denied"}` {
		t.Errorf("error: %s", got)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file kept after an error: %v", err)
	}
	res := poll(`{"code":"C","state":"s","error":""}`)
	var got cliproxy.AuthLoginPollResponse
	_ = json.Unmarshal([]byte(res), &got)
	if got.Status != "success" || got.Auth.FileName != "token-go-go-0123456789abcdef.json" || got.Auth.Label != "login go-0123456789abcdef" ||
		got.Auth.Metadata["access_token"] != "code-C" || got.Auth.Metadata["refresh_token"] != "refresh-C" || got.Auth.Metadata["type"] != provider {
		t.Errorf("success: %s", res)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file kept after a success: %v", err)
	}
}

func TestPollLoginRefusesPathsOutsideTheAuthDir(t *testing.T) {
	for _, req := range []cliproxy.AuthLoginPollRequest{
		{Provider: provider, State: "../../etc/x", Host: cliproxy.HostConfigSummary{AuthDir: "/tmp"}},
		{Provider: "a/b", State: "s", Host: cliproxy.HostConfigSummary{AuthDir: "/tmp"}},
		{Provider: provider, State: "", Host: cliproxy.HostConfigSummary{AuthDir: "/tmp"}},
		{Provider: provider, State: "s"},
	} {
		var e *cliproxy.Error
		if _, err := pollLogin("", req); !errors.As(err, &e) || e.Code != "invalid_request" {
			t.Errorf("%+v: %v", req, err)
		}
	}
}

func TestRefresh(t *testing.T) {
	p := &tokenProvider{}
	metadata := map[string]any{"type": provider, "access_token": "old", "refresh_token": "r"}
	for n := 1; n <= 2; n++ {
		res, err := p.refresh("", cliproxy.AuthRefreshRequest{Metadata: metadata})
		if err != nil {
			t.Fatal(err)
		}
		got := res.(cliproxy.AuthRefreshResponse)
		if got.Auth.Metadata["access_token"] != "refreshed-go-"+strconv.Itoa(n) || got.Auth.Metadata["refresh_token"] != "r" {
			t.Errorf("refresh %d: %v", n, got.Auth.Metadata)
		}
		if until := time.Until(got.NextRefreshAfter); until < 59*time.Minute || until > time.Hour || got.NextRefreshAfter.Location() != time.UTC {
			t.Errorf("NextRefreshAfter %v", got.NextRefreshAfter)
		}
	}
	if metadata["access_token"] != "old" {
		t.Error("refresh changed the request's metadata")
	}
	for _, md := range []map[string]any{nil, {}, {"refresh_token": ""}, {"refresh_token": 1.0}} {
		var e *cliproxy.Error
		if _, err := p.refresh("", cliproxy.AuthRefreshRequest{Metadata: md}); !errors.As(err, &e) ||
			e.HTTPStatus != 401 || e.Message != "no refresh token" {
			t.Errorf("metadata %v: %v", md, err)
		}
	}
}

func TestAnswer(t *testing.T) {
	got, err := answer(cliproxy.ExecutorRequest{AuthID: "t.json", AuthMetadata: map[string]any{"access_token": "tok"}})
	if err != nil || got != "token-model-go used tok from t.json" {
		t.Errorf("answer = %q, %v", got, err)
	}
	for _, md := range []map[string]any{nil, {"access_token": "expired"}, {"access_token": ""}, {"access_token": 5.0}} {
		var e *cliproxy.Error
		if _, err := answer(cliproxy.ExecutorRequest{AuthMetadata: md}); !errors.As(err, &e) || e.HTTPStatus != 401 || e.Message != "access token expired" {
			t.Errorf("metadata %v: %v", md, err)
		}
	}
}
