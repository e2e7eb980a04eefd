// Command model-router is the "model-router-go" example: it routes requests by their
// X-Example-Route header.
//
//	self                          its own executor (provider router-go), which says so
//	provider:<name>[:<model>]     the built-in provider <name>, optionally another model
//	executor:<plugin-id>          the executor of another plugin
//
// Without the header (or with any other value) it makes no decision.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/model-router-go.so ./model-router
package main

import (
	"strings"

	"cliproxy.dev/examples/plugin/cliproxy"
)

func main() {} // required by -buildmode=c-shared; never runs

const (
	name         = "model-router-go"
	completionID = "chatcmpl-" + name
)

func init() {
	execute, executeStream := cliproxy.TextExecutor(completionID, answer)
	cliproxy.Serve(&cliproxy.Example{
		Name: name,
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{
				ModelRouter:           true,
				Executor:              true,
				ExecutorModelScope:    "static", // a router target must not be oauth-only
				ExecutorInputFormats:  []string{"openai"},
				ExecutorOutputFormats: []string{"openai"},
			}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodExecutorIdentifier:    cliproxy.Identifier("router-go"),
			cliproxy.MethodModelRoute:            cliproxy.Decoded(routeModel),
			cliproxy.MethodExecutorExecute:       execute,
			cliproxy.MethodExecutorExecuteStream: executeStream,
		},
	})
}

func routeModel(_ cliproxy.Config, req cliproxy.ModelRouteRequest) (any, error) {
	return route(cliproxy.FirstHeader(req.Headers, "X-Example-Route")), nil
}

// route parses an X-Example-Route value into a decision. A value it does not understand,
// or one without its target, is no decision, so the host falls through to the next
// router or to normal model resolution.
func route(header string) cliproxy.ModelRouteResponse {
	header = strings.TrimSpace(header)
	if header == cliproxy.RouteSelf {
		return cliproxy.ModelRouteResponse{Handled: true, TargetKind: cliproxy.RouteSelf, Reason: "header"}
	}
	if rest, ok := strings.CutPrefix(header, cliproxy.RouteProvider+":"); ok {
		// The model may itself contain colons ("provider:x:org:model"): cut once.
		provider, model, _ := strings.Cut(rest, ":")
		if provider = strings.TrimSpace(provider); provider != "" {
			return cliproxy.ModelRouteResponse{
				Handled: true, TargetKind: cliproxy.RouteProvider,
				Target: provider, TargetModel: strings.TrimSpace(model), Reason: "header",
			}
		}
	}
	if plugin, ok := strings.CutPrefix(header, cliproxy.RouteExecutor+":"); ok {
		if plugin = strings.TrimSpace(plugin); plugin != "" {
			return cliproxy.ModelRouteResponse{Handled: true, TargetKind: cliproxy.RouteExecutor, Target: plugin, Reason: "header"}
		}
	}
	return cliproxy.ModelRouteResponse{Handled: false}
}

// answer is what the executor says: the model it was asked for (on a direct route the
// client's model) and the last message.
func answer(req cliproxy.ExecutorRequest) (string, error) {
	text, ok := cliproxy.LastMessageText(req.Payload)
	if !ok {
		return "", cliproxy.InvalidRequest("payload is not a JSON object")
	}
	return "router-go executor answered " + req.Model + ": " + text, nil
}
