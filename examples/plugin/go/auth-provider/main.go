// Command auth-provider is the "auth-provider-go" example: credentials of type token-go.
//
//   - auth.parse loads auth files whose "type" is token-go;
//   - auth.login.start / auth.login.poll run a browser login through the proxy's OAuth
//     callback, which leaves the code in a file of the auth directory;
//   - auth.refresh mints a new access token from the refresh token;
//   - model.for_auth gives every token-go credential the model token-model-go, whose
//     executor answers with the access token it was given, and fails with 401 when the
//     token is missing or "expired" (so the host refreshes and retries).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/auth-provider-go.so ./auth-provider
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "auth-provider-go"
	provider     = "token-go" // auth and executor identifier, credential type
	modelID      = "token-model-go"
	completionID = "chatcmpl-" + name
	defaultURL   = "https://login.example.invalid/authorize"
)

func init() {
	p := &tokenProvider{}
	execute, executeStream := cliproxy.TextExecutor(completionID, answer)
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "authorize-url", Type: "string", Description: "Authorization endpoint the login sends the browser to."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{
				AuthProvider:          true,
				ModelProvider:         true,
				Executor:              true,
				ExecutorModelScope:    "oauth", // models come per credential, never static
				ExecutorInputFormats:  []string{"openai"},
				ExecutorOutputFormats: []string{"openai"},
			}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodAuthIdentifier:        cliproxy.Identifier(provider),
			cliproxy.MethodExecutorIdentifier:    cliproxy.Identifier(provider),
			cliproxy.MethodAuthParse:             cliproxy.Decoded(parse),
			cliproxy.MethodAuthLoginStart:        cliproxy.Decoded(startLogin),
			cliproxy.MethodAuthLoginPoll:         cliproxy.Decoded(pollLogin),
			cliproxy.MethodAuthRefresh:           cliproxy.Decoded(p.refresh),
			cliproxy.MethodModelStatic:           staticModels,
			cliproxy.MethodModelForAuth:          cliproxy.Decoded(modelsForAuth),
			cliproxy.MethodExecutorExecute:       execute,
			cliproxy.MethodExecutorExecuteStream: executeStream,
			cliproxy.MethodExecutorCountTokens:   countTokens,
		},
	})
}

// tokenProvider holds the state of the plugin: the number of refreshes so far, which
// numbers the minted access tokens.
type tokenProvider struct {
	refreshes atomic.Int64
}

// parse claims the auth files whose "type" is ours. The credential keeps the file as
// its storage and its object as metadata.
func parse(_ cliproxy.Config, req cliproxy.AuthParseRequest) (any, error) {
	var file map[string]any
	if json.Unmarshal(req.RawJSON, &file) != nil || file["type"] != provider {
		return cliproxy.AuthParseResponse{Handled: false}, nil
	}
	label, _ := file["label"].(string)
	disabled, _ := file["disabled"].(bool)
	return cliproxy.AuthParseResponse{
		Handled: true,
		Auth: &cliproxy.AuthData{
			Provider:    provider,
			FileName:    req.FileName,
			Label:       label,
			Disabled:    disabled,
			StorageJSON: req.RawJSON,
			Metadata:    file,
		},
	}, nil
}

// startLogin sends the browser to the authorization endpoint. The state names the file
// in which the host's OAuth callback will leave the outcome for pollLogin.
func startLogin(cfg cliproxy.Config, req cliproxy.AuthLoginStartRequest) (any, error) {
	state, err := newState()
	if err != nil {
		return nil, err
	}
	authorize := cfg.Value("authorize-url", defaultURL) +
		"?state=" + state + "&redirect_uri=" + url.QueryEscape(req.BaseURL)
	return cliproxy.AuthLoginStartResponse{
		Provider: provider,
		URL:      authorize,
		State:    state,
		Metadata: map[string]any{"started_by": "go"},
	}, nil
}

// newState returns "go-" and 16 random hex digits: unguessable, and within the
// characters the host's OAuth state validator accepts.
func newState() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random state: %w", err)
	}
	return "go-" + hex.EncodeToString(b[:]), nil
}

// callbackResult is the file the host's OAuth callback writes.
type callbackResult struct {
	Code  string `json:"code"`
	State string `json:"state"`
	Error string `json:"error"`
}

// pollLogin reports the login's outcome once the host's OAuth callback has written it to
// <AuthDir>/.oauth-<Provider>-<State>.oauth. A finished login's file is deleted, so the
// code is used once.
func pollLogin(_ cliproxy.Config, req cliproxy.AuthLoginPollRequest) (any, error) {
	path, err := callbackPath(req)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cliproxy.AuthLoginPollResponse{Status: cliproxy.LoginPending}, nil
	}
	if err != nil {
		return nil, err
	}
	var result callbackResult
	if json.Unmarshal(raw, &result) != nil {
		// Most likely caught while the host is still writing it: look again next poll.
		return cliproxy.AuthLoginPollResponse{Status: cliproxy.LoginPending}, nil
	}
	switch {
	case result.Error != "":
		_ = os.Remove(path)
		return cliproxy.AuthLoginPollResponse{Status: cliproxy.LoginError, Message: "login failed: " + result.Error}, nil
	case result.Code != "":
		_ = os.Remove(path)
		return cliproxy.AuthLoginPollResponse{Status: cliproxy.LoginSuccess, Auth: loginAuth(req.State, result.Code)}, nil
	}
	return cliproxy.AuthLoginPollResponse{Status: cliproxy.LoginPending}, nil
}

// callbackPath is where the host leaves the OAuth callback of a login. Provider and State
// come from the host, but they become a file name, so anything that could leave the auth
// directory is refused.
func callbackPath(req cliproxy.AuthLoginPollRequest) (string, error) {
	if req.Host.AuthDir == "" {
		return "", cliproxy.InvalidRequest("Host.AuthDir is required")
	}
	file := ".oauth-" + req.Provider + "-" + req.State + ".oauth"
	if req.State == "" || strings.ContainsAny(file, `/\`) || strings.Contains(file, "..") {
		return "", cliproxy.InvalidRequest("invalid login state")
	}
	return filepath.Join(req.Host.AuthDir, file), nil
}

// loginAuth is the credential a successful login saves (the host writes it to FileName).
// The tokens are derived from the code, as a real provider's token exchange would.
func loginAuth(state, code string) *cliproxy.AuthData {
	return &cliproxy.AuthData{
		Provider: provider,
		FileName: provider + "-" + state + ".json",
		Label:    "login " + state,
		Metadata: map[string]any{
			"type":          provider,
			"access_token":  "code-" + code,
			"refresh_token": "refresh-" + code,
		},
	}
}

// refresh mints "refreshed-go-<n>" from the refresh token. Only Metadata is returned: the
// host keeps every other field of the credential.
func (p *tokenProvider) refresh(_ cliproxy.Config, req cliproxy.AuthRefreshRequest) (any, error) {
	if token, _ := req.Metadata["refresh_token"].(string); token == "" {
		return nil, &cliproxy.Error{Code: "unauthorized", Message: "no refresh token", HTTPStatus: 401}
	}
	metadata := maps.Clone(req.Metadata)
	metadata["access_token"] = fmt.Sprintf("refreshed-go-%d", p.refreshes.Add(1))
	return cliproxy.AuthRefreshResponse{
		Auth:             cliproxy.AuthData{Metadata: metadata},
		NextRefreshAfter: time.Now().UTC().Add(time.Hour).Truncate(time.Second),
	}, nil
}

// staticModels declares the provider with no static models: every model is bound to a
// credential (executor scope "oauth").
func staticModels(cliproxy.Config, []byte) (any, error) {
	return cliproxy.ModelResponse{Provider: provider, Models: []cliproxy.ModelInfo{}}, nil
}

func modelsForAuth(_ cliproxy.Config, req cliproxy.AuthModelRequest) (any, error) {
	if req.AuthProvider != provider {
		return cliproxy.ModelResponse{Models: []cliproxy.ModelInfo{}}, nil // not ours
	}
	return cliproxy.ModelResponse{
		Provider: provider,
		Models:   []cliproxy.ModelInfo{{ID: modelID, Object: "model", OwnedBy: name}},
	}, nil
}

// answer is the executor's reply text, or the 401 that makes the host refresh the
// credential and retry.
func answer(req cliproxy.ExecutorRequest) (string, error) {
	token, _ := req.AuthMetadata["access_token"].(string)
	if token == "" || token == "expired" {
		return "", &cliproxy.Error{Code: "unauthorized", Message: "access token expired", HTTPStatus: 401}
	}
	return modelID + " used " + token + " from " + req.AuthID, nil
}

func countTokens(cliproxy.Config, []byte) (any, error) {
	return cliproxy.ExecutorResponse{Payload: []byte(`{"input_tokens":1}`)}, nil
}
