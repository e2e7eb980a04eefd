package cliproxy

import (
	"net/http"
	"sync/atomic"
)

// Pieces shared by the management_api examples.

// ResourceBase remembers the ResourceBasePath of management.register
// ("/v0/resource/plugins/<plugin id>"), which the host derives from the plugin id and
// tells only there; management.handle gets full paths. Safe for concurrent use.
type ResourceBase struct {
	path atomic.Pointer[string]
}

// Set stores the ResourceBasePath of a management.register request.
func (r *ResourceBase) Set(path string) { r.path.Store(&path) }

// Is reports whether path is the resource rel ("/status") under the remembered base;
// before management.register there is none.
func (r *ResourceBase) Is(path, rel string) bool {
	base := r.path.Load()
	return base != nil && *base != "" && path == *base+rel
}

// JSONResponse is a management.handle reply with a JSON body, sent as it is.
func JSONResponse(status int, body []byte) ManagementResponse {
	return ManagementResponse{StatusCode: status, Headers: ContentType("application/json"), Body: body}
}

// EncodeJSONResponse is a JSONResponse with v encoded by EncodeJSON.
func EncodeJSONResponse(status int, v any) (ManagementResponse, error) {
	body, err := EncodeJSON(v)
	if err != nil {
		return ManagementResponse{}, err
	}
	return JSONResponse(status, body), nil
}

// NotFound is the examples' reply for paths they do not serve: 404 {"error":"not found"}.
func NotFound() ManagementResponse {
	return JSONResponse(http.StatusNotFound, []byte(`{"error":"not found"}`))
}

// ContentType returns headers holding only Content-Type: value.
func ContentType(value string) map[string][]string {
	return map[string][]string{"Content-Type": {value}}
}
