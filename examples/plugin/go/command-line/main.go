// Command command-line is the "command-line-go" example: it adds the flags
// -hello-go NAME (prints "hello, NAME, from go") and -fail-go (prints to stderr and
// makes the proxy exit with code 3) to the proxy's command line.
//
// Build (from examples/plugin/go):
//
//	go build -buildmode=c-shared -o ../bin/command-line-go.so ./command-line
package main

import "cliproxy.dev/examples/plugin/cliproxy"

func main() {} // required by -buildmode=c-shared; never runs

const (
	helloFlag = "hello-go"
	failFlag  = "fail-go"
)

func init() {
	cliproxy.Serve(&cliproxy.Example{
		Name: "command-line-go",
		Capabilities: func(cliproxy.Config) cliproxy.Capabilities {
			return cliproxy.Capabilities{CommandLinePlugin: true}
		},
		Methods: map[string]cliproxy.Method{
			cliproxy.MethodCommandLineRegister: registerFlags,
			cliproxy.MethodCommandLineExecute:  cliproxy.Decoded(execute),
		},
	})
}

func registerFlags(cliproxy.Config, []byte) (any, error) {
	return cliproxy.CommandLineRegistrationResponse{Flags: []cliproxy.CommandLineFlag{
		{Name: helloFlag, Usage: "print a greeting from the go example", Type: "string", DefaultValue: ""},
		{Name: failFlag, Usage: "exit with code 3", Type: "bool", DefaultValue: ""},
	}}, nil
}

// execute runs when one of our flags was set (TriggeredFlags holds those); -fail-go
// wins when both are. The host prints the output and exits with ExitCode.
func execute(_ cliproxy.Config, req cliproxy.CommandLineExecutionRequest) (any, error) {
	if _, ok := req.TriggeredFlags[failFlag]; ok {
		return cliproxy.CommandLineExecutionResponse{Stderr: []byte(failFlag + " requested\n"), ExitCode: 3}, nil
	}
	if flag, ok := req.TriggeredFlags[helloFlag]; ok {
		return cliproxy.CommandLineExecutionResponse{Stdout: []byte("hello, " + flag.Value + ", from go\n")}, nil
	}
	return cliproxy.CommandLineExecutionResponse{}, nil
}
