// Command frontend-auth is the "frontend-auth-go" example: it accepts clients whose
// X-Example-Frontend-Auth header is one of config `tokens` (comma-separated, default
// "secret-go"), as principal "user-<token>". With config `exclusive: true` it declares
// itself the exclusive frontend auth provider, which turns off the proxy's API keys.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/frontend-auth-go.so ./frontend-auth
package main

import (
	"slices"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const name = "frontend-auth-go"

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		ConfigFields: []cliproxy.ConfigField{
			{Name: "tokens", Type: "string", Description: `Comma-separated accepted tokens (default "secret-go").`},
			{Name: "exclusive", Type: "boolean", Description: "Be the only frontend auth provider."},
		},
		Capabilities: func(cfg cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{
				FrontendAuthProvider:          true,
				FrontendAuthProviderExclusive: cfg.Bool("exclusive"),
			}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodFrontendAuthIdentifier:   cliproxy.Identifier("example-go"),
			cliproxy.MethodFrontendAuthAuthenticate: cliproxy.Decoded(authenticate),
		},
	})
}

// authenticate never rejects: Authenticated false only means "not mine", and the host
// asks the next provider (or answers 401 when nobody accepts).
func authenticate(cfg cliproxy.Config, req cliproxy.FrontendAuthRequest) (any, error) {
	token := cliproxy.FirstHeader(req.Headers, "X-Example-Frontend-Auth")
	if token == "" || !slices.Contains(cfg.List("tokens", "secret-go"), token) {
		return cliproxy.FrontendAuthResponse{Authenticated: false}, nil
	}
	return cliproxy.FrontendAuthResponse{
		Authenticated: true,
		Principal:     "user-" + token,
		Metadata:      map[string]string{"plugin": name},
	}, nil
}
