package cliproxy

import (
	"encoding/json"
	"time"
)

// Wire types used by the examples. The rule (spec 02 §0.2): structs without JSON tags are
// sent under their exact Go field names (ID, GitHubRepository, StorageJSON, ...), so those
// fields are untagged here too; only the keys the host itself tags are snake_case. []byte
// fields travel as standard padded base64, nil maps and slices as null. Add the types a
// new example needs here, following the same rule.

// LifecycleRequest is the request of plugin.register and plugin.reconfigure.
type LifecycleRequest struct {
	ConfigYAML    []byte `json:"config_yaml"` // YAML text of plugins.configs.<id> (base64 on the wire)
	SchemaVersion uint32 `json:"schema_version"`
}

// Registration is the result of plugin.register and plugin.reconfigure.
type Registration struct {
	SchemaVersion uint32       `json:"schema_version"`
	Metadata      Metadata     `json:"metadata"`
	Capabilities  Capabilities `json:"capabilities"`
}

// Metadata describes the plugin. Name, Version, Author and GitHubRepository must be
// non-blank or the host leaves the plugin inactive.
type Metadata struct {
	Name             string
	Version          string
	Author           string
	GitHubRepository string
	Logo             string
	ConfigFields     []ConfigField
}

// ConfigField documents one key of the plugin's config for the management UI. Type is
// string, number, integer, boolean, enum, array or object.
type ConfigField struct {
	Name        string
	Type        string
	EnumValues  []string
	Description string
}

// Capabilities says which methods the host will send. Every key is omitted when unset, so
// a plugin's reply lists only what it declares. At least one boolean must be true.
type Capabilities struct {
	ModelRegistrar                bool     `json:"model_registrar,omitempty"`
	ModelProvider                 bool     `json:"model_provider,omitempty"`
	AuthProvider                  bool     `json:"auth_provider,omitempty"`
	FrontendAuthProvider          bool     `json:"frontend_auth_provider,omitempty"`
	FrontendAuthProviderExclusive bool     `json:"frontend_auth_provider_exclusive,omitempty"`
	Scheduler                     bool     `json:"scheduler,omitempty"`
	ModelRouter                   bool     `json:"model_router,omitempty"`
	Executor                      bool     `json:"executor,omitempty"`
	ExecutorModelScope            string   `json:"executor_model_scope,omitempty"` // static, oauth or both
	ExecutorInputFormats          []string `json:"executor_input_formats,omitempty"`
	ExecutorOutputFormats         []string `json:"executor_output_formats,omitempty"`
	RequestTranslator             bool     `json:"request_translator,omitempty"`
	RequestNormalizer             bool     `json:"request_normalizer,omitempty"`
	RequestInterceptor            bool     `json:"request_interceptor,omitempty"`
	RequestLifecyclePlugin        bool     `json:"request_lifecycle_plugin,omitempty"`
	ResponseTranslator            bool     `json:"response_translator,omitempty"`
	ResponseBeforeTranslator      bool     `json:"response_before_translator,omitempty"`
	ResponseAfterTranslator       bool     `json:"response_after_translator,omitempty"`
	ResponseInterceptor           bool     `json:"response_interceptor,omitempty"`
	ResponseStreamInterceptor     bool     `json:"response_stream_interceptor,omitempty"`
	ThinkingApplier               bool     `json:"thinking_applier,omitempty"`
	UsagePlugin                   bool     `json:"usage_plugin,omitempty"`
	CommandLinePlugin             bool     `json:"command_line_plugin,omitempty"`
	ManagementAPI                 bool     `json:"management_api,omitempty"`
}

// IdentifierResponse is the result of the *.identifier methods.
type IdentifierResponse struct {
	Identifier string `json:"identifier"`
}

// ModelResponse is the result of model.static and model.for_auth.
type ModelResponse struct {
	Provider   string
	Models     []ModelInfo
	AuthUpdate *AuthData // merged over the auth by model.for_auth; ignored by model.static
}

// ModelInfo is one model in a ModelResponse (spec 02 §0.6, fields in wire order).
type ModelInfo struct {
	ID                         string
	Object                     string
	Created                    int64
	OwnedBy                    string
	Type                       string
	DisplayName                string
	Name                       string
	Version                    string
	Description                string
	InputTokenLimit            int64
	OutputTokenLimit           int64
	SupportedGenerationMethods []string
	ContextLength              int64
	MaxCompletionTokens        int64
	SupportedParameters        []string
	SupportedInputModalities   []string
	SupportedOutputModalities  []string
	Thinking                   *ThinkingSupport
	UserDefined                bool
}

// ThinkingSupport is ModelInfo.Thinking.
type ThinkingSupport struct {
	Min            int64
	Max            int64
	ZeroAllowed    bool
	DynamicAllowed bool
	Levels         []string
}

// AuthData is a provider credential as plugins see and return it.
type AuthData struct {
	Provider         string
	ID               string
	FileName         string
	Label            string
	Prefix           string
	ProxyURL         string
	Disabled         bool
	StorageJSON      []byte
	Metadata         map[string]any
	Attributes       map[string]string
	NextRefreshAfter time.Time
}

// ExecutorRequest is the request of executor.execute, executor.execute_stream and
// executor.count_tokens. Payload is the request body in SourceFormat; the reply must be in
// Format. The Auth* fields and StorageJSON are empty on direct router routes.
type ExecutorRequest struct {
	AuthID          string
	AuthProvider    string
	Model           string
	Format          string
	Stream          bool
	Alt             string
	Headers         map[string][]string
	Query           map[string][]string
	OriginalRequest []byte
	SourceFormat    string
	Payload         []byte
	Metadata        map[string]any
	StorageJSON     []byte
	AuthMetadata    map[string]any
	AuthAttributes  map[string]string
	StreamID        string `json:"stream_id,omitempty"`        // execute_stream only: target of EmitStream
	HostCallbackID  string `json:"host_callback_id,omitempty"` // pass back in host calls made for this request
}

// ExecutorResponse is the result of executor.execute and executor.count_tokens.
type ExecutorResponse struct {
	Payload  []byte
	Headers  map[string][]string
	Metadata map[string]any
}

// ExecutorStreamResponse is the result of executor.execute_stream. With Chunks empty the
// stream is asynchronous: the plugin pushes chunks with EmitStream and ends with
// CloseStream. With Chunks set they are the whole stream (they cannot carry errors).
type ExecutorStreamResponse struct {
	Headers map[string][]string   `json:"headers"`
	Chunks  []ExecutorStreamChunk `json:"chunks,omitempty"`
}

// ExecutorStreamChunk is one inline chunk of an ExecutorStreamResponse.
type ExecutorStreamChunk struct {
	Payload []byte
}

// StreamEmitRequest is the request of host.stream.emit.
type StreamEmitRequest struct {
	StreamID string `json:"stream_id"`
	Payload  []byte `json:"payload,omitempty"`
	Error    string `json:"error,omitempty"`
}

// StreamCloseRequest is the request of host.stream.close.
type StreamCloseRequest struct {
	StreamID string `json:"stream_id"`
	Error    string `json:"error,omitempty"`
}

// LogRequest is the request of host.log.
type LogRequest struct {
	HostCallbackID string         `json:"host_callback_id,omitempty"`
	Level          string         `json:"level,omitempty"`
	Message        string         `json:"message"`
	Fields         map[string]any `json:"fields,omitempty"`
}

// DecodeRequest unmarshals a request into v, turning a failure into the 400
// InvalidRequest error a handler should return ("decode <what>: <reason>").
func DecodeRequest(request []byte, what string, v any) error {
	if err := json.Unmarshal(request, v); err != nil {
		return InvalidRequest("decode " + what + ": " + err.Error())
	}
	return nil
}
