package cliproxy_test

import (
	"errors"
	"fmt"
	"testing"

	"cliproxy.dev/examples/plugin/cliproxy"
	"cliproxy.dev/examples/plugin/cliproxy/hosttest"
)

func TestHostCallerWrappers(t *testing.T) {
	host := (&hosttest.Host{}).
		On(cliproxy.HostHTTPDo, hosttest.Reply{Result: `{"StatusCode":404,"Headers":{"X-A":["1"]},"Body":"aGk="}`}).
		On(cliproxy.HostModelExecute, hosttest.Reply{Result: `{"status_code":200,"headers":null,"body":"e30="}`}).
		On(cliproxy.HostModelExecuteStream, hosttest.Reply{Result: `{"status_code":200,"headers":null,"stream_id":"3"}`}).
		On(cliproxy.HostModelStreamRead, hosttest.Reply{Result: `{"payload":"eA==","error":"","done":false}`},
			hosttest.Reply{Result: `{"payload":null,"error":"boom","done":true}`})
	call := cliproxy.HostCaller(host.Call)

	res, err := call.HTTPDo(cliproxy.HostHTTPRequest{Method: "POST", URL: "http://x", Body: []byte("q")})
	if err != nil || res.StatusCode != 404 || res.Headers["X-A"][0] != "1" || string(res.Body) != "hi" {
		t.Errorf("HTTPDo = %+v, %v", res, err)
	}
	// The wrappers set stream as the host requires, whatever the caller passed.
	model, err := call.ModelExecute(cliproxy.HostModelRequest{EntryProtocol: "openai", Model: "m", Stream: true})
	if err != nil || model.StatusCode != 200 || string(model.Body) != "{}" {
		t.Errorf("ModelExecute = %+v, %v", model, err)
	}
	stream, err := call.ModelExecuteStream(cliproxy.HostModelRequest{EntryProtocol: "claude", ExitProtocol: "openai", Model: "m", Body: []byte("{}")})
	if err != nil || stream.StreamID != "3" {
		t.Errorf("ModelExecuteStream = %+v, %v", stream, err)
	}
	first, err1 := call.ModelStreamRead("3")
	last, err2 := call.ModelStreamRead("3")
	if err1 != nil || err2 != nil || string(first.Payload) != "x" || first.Done || last.Payload != nil || last.Error != "boom" || !last.Done {
		t.Errorf("ModelStreamRead = %+v %v, %+v %v", first, err1, last, err2)
	}
	if err := call.ModelStreamClose("3"); err != nil {
		t.Error(err)
	}
	if err := call.Log(cliproxy.LogRequest{Level: "info", Message: "m"}); err != nil {
		t.Error(err)
	}
	want := `host.http.do {"method":"POST","url":"http://x","body":"cQ=="}
host.model.execute {"entry_protocol":"openai","model":"m","stream":false,"body":null}
host.model.execute_stream {"entry_protocol":"claude","exit_protocol":"openai","model":"m","stream":true,"body":"e30="}
host.model.stream_read {"stream_id":"3"}
host.model.stream_read {"stream_id":"3"}
host.model.stream_close {"stream_id":"3"}
host.log {"level":"info","message":"m"}`
	if got := host.Calls(); got != want {
		t.Errorf("calls:\n%s\nwant\n%s", got, want)
	}
}

func TestHostCallerErrors(t *testing.T) {
	host := (&hosttest.Host{}).
		On(cliproxy.HostHTTPDo, hosttest.Reply{Error: "execute host http request: refused"}).
		On(cliproxy.HostModelExecute, hosttest.Reply{Result: `{"body":"not base64!"}`})
	call := cliproxy.HostCaller(host.Call)
	_, err := call.HTTPDo(cliproxy.HostHTTPRequest{URL: "http://x"})
	if err == nil || err.Error() != "host_call_failed: execute host http request: refused" ||
		cliproxy.ErrorMessage(err) != "execute host http request: refused" {
		t.Errorf("HTTPDo error = %v", err)
	}
	if _, err := call.ModelExecute(cliproxy.HostModelRequest{}); err == nil {
		t.Error("a result that does not decode gave no error")
	}
	wrapped := fmt.Errorf("ctx: %w", &cliproxy.Error{Code: "c", Message: "inner"})
	if got := cliproxy.ErrorMessage(wrapped); got != "inner" {
		t.Errorf("ErrorMessage(wrapped) = %q", got)
	}
	if got := cliproxy.ErrorMessage(errors.New("plain")); got != "plain" {
		t.Errorf("ErrorMessage(plain) = %q", got)
	}
}

func TestResourceBase(t *testing.T) {
	var r cliproxy.ResourceBase
	if r.Is("/status", "/status") {
		t.Error("matched before Set")
	}
	r.Set("/v0/resource/plugins/p")
	if !r.Is("/v0/resource/plugins/p/status", "/status") || r.Is("/v0/resource/plugins/p/statusx", "/status") {
		t.Error("Is after Set")
	}
	r.Set("")
	if r.Is("/status", "/status") {
		t.Error("an empty base matched")
	}
}
