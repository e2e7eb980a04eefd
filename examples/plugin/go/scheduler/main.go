// Command scheduler is the "scheduler-go" example. Config `mode` chooses what
// scheduler.pick does:
//
//   - pick (default): pick the candidate credential whose ID is config `auth-id`, else
//     leave the choice to the built-in selector;
//   - delegate: hand the choice to the built-in strategy named by config `delegate`
//     (round-robin or fill-first, default fill-first);
//   - deny: fail the request with 403 (a scheduler error fails the request).
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/scheduler-go.so ./scheduler
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "scheduler-go",
		ConfigFields: []cliproxy.ConfigField{
			{Name: "mode", Type: "enum", EnumValues: []string{"pick", "delegate", "deny"}, Description: "What scheduler.pick does (default pick)."},
			{Name: "auth-id", Type: "string", Description: "Credential ID to pick in mode pick."},
			{Name: "delegate", Type: "enum", EnumValues: []string{"round-robin", "fill-first"}, Description: "Built-in strategy for mode delegate (default fill-first)."},
		},
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{Scheduler: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodSchedulerPick: cliproxy.Decoded(pick),
		},
	})
}

// pick decides by config `mode`. An unknown mode declines, like pick without a match: a
// typo in the config should not fail every request.
func pick(cfg cliproxy.Config, req cliproxy.SchedulerPickRequest) (any, error) {
	switch cfg.Value("mode", "pick") {
	case "pick":
		if id := cfg.Value("auth-id", ""); id != "" {
			for _, c := range req.Candidates {
				if c.ID == id {
					return cliproxy.SchedulerPickResponse{Handled: true, AuthID: id}, nil
				}
			}
		}
	case "delegate":
		return cliproxy.SchedulerPickResponse{Handled: true, DelegateBuiltin: cfg.Value("delegate", "fill-first")}, nil
	case "deny":
		return nil, &cliproxy.Error{Code: "denied", Message: "scheduler-go denied the request", HTTPStatus: 403}
	}
	return cliproxy.SchedulerPickResponse{Handled: false}, nil
}
