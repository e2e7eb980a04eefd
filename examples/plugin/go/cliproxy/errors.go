package cliproxy

import "errors"

// Error is the "error" object of an envelope. Returned from Handle (directly or wrapped),
// it chooses the code and HTTP status the host sees; the host propagates Message and,
// when HTTPStatus > 0, uses it as the client's status (otherwise 500). Code is
// informational only. HostCall returns an *Error when the host answered ok:false.
type Error struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	HTTPStatus int    `json:"http_status,omitempty"`
}

// Error formats as "<code>: <message>".
func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// UnknownMethod is the answer for methods the plugin does not implement (the host still
// gets return code 0 with this envelope, as the ABI asks).
func UnknownMethod(method string) *Error {
	return &Error{Code: "unknown_method", Message: "unknown method " + method}
}

// InvalidRequest is a 400 "invalid_request" error, for requests the plugin cannot decode.
func InvalidRequest(message string) *Error {
	return &Error{Code: "invalid_request", Message: message, HTTPStatus: 400}
}

// ErrorMessage returns the Message of the *Error in err's chain (for a failed HostCall,
// the host's error.message without the code), or else err.Error().
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
