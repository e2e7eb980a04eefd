package cliproxy

import (
	"encoding/json"
	"time"
)

// Wire types used by the examples. The rule (spec 02 §0.2): structs without JSON tags are
// sent under their exact Go field names (ID, GitHubRepository, StorageJSON, ...), so those
// fields carry no name here either (a tag like `json:",omitempty"` only adds an option and
// keeps the Go name); only the keys the host itself tags are snake_case. []byte fields
// travel as standard padded base64, nil maps and slices as null. Add the types a new
// example needs here, following the same rule.

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
	AuthUpdate *AuthData `json:",omitempty"` // merged over the auth by model.for_auth; ignored by model.static
}

// ModelInfo is one model in a ModelResponse (spec 02 §0.6, fields in wire order). Zero
// fields are left out of the JSON: the host reads a missing key as the zero value, and a
// model usually sets a few fields only.
type ModelInfo struct {
	ID                         string           `json:",omitzero"`
	Object                     string           `json:",omitzero"`
	Created                    int64            `json:",omitzero"`
	OwnedBy                    string           `json:",omitzero"`
	Type                       string           `json:",omitzero"`
	DisplayName                string           `json:",omitzero"`
	Name                       string           `json:",omitzero"`
	Version                    string           `json:",omitzero"`
	Description                string           `json:",omitzero"`
	InputTokenLimit            int64            `json:",omitzero"`
	OutputTokenLimit           int64            `json:",omitzero"`
	SupportedGenerationMethods []string         `json:",omitzero"`
	ContextLength              int64            `json:",omitzero"`
	MaxCompletionTokens        int64            `json:",omitzero"`
	SupportedParameters        []string         `json:",omitzero"`
	SupportedInputModalities   []string         `json:",omitzero"`
	SupportedOutputModalities  []string         `json:",omitzero"`
	Thinking                   *ThinkingSupport `json:",omitzero"`
	UserDefined                bool             `json:",omitzero"`
}

// ThinkingSupport is ModelInfo.Thinking.
type ThinkingSupport struct {
	Min            int64
	Max            int64
	ZeroAllowed    bool
	DynamicAllowed bool
	Levels         []string
}

// AuthData is a provider credential as plugins see and return it. Zero fields are left
// out of the JSON: the host fills them from the current credential (auth.refresh) or
// reads them as zero values.
type AuthData struct {
	Provider         string            `json:",omitzero"`
	ID               string            `json:",omitzero"`
	FileName         string            `json:",omitzero"`
	Label            string            `json:",omitzero"`
	Prefix           string            `json:",omitzero"`
	ProxyURL         string            `json:",omitzero"`
	Disabled         bool              `json:",omitzero"`
	StorageJSON      []byte            `json:",omitzero"`
	Metadata         map[string]any    `json:",omitzero"`
	Attributes       map[string]string `json:",omitzero"`
	NextRefreshAfter time.Time         `json:",omitzero"`
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
	Headers  map[string][]string `json:",omitempty"`
	Metadata map[string]any      `json:",omitempty"`
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

// The request and reply of every capability method, in the host's declaration order
// (spec 02, section numbers below). Requests carry every field the host sends; replies
// mark with omitempty the fields a plugin usually leaves out, so a reply carries only
// what the plugin decided (a missing key and a zero value mean the same to the host).

// HostConfigSummary is the host configuration sent as Host (spec 02 §0.6).
type HostConfigSummary struct {
	AuthDir          string
	ProxyURL         string
	ForceModelPrefix bool
	OAuthModelAlias  map[string][]ModelAlias
	ExcludedModels   map[string][]string
}

// ModelAlias is one entry of HostConfigSummary.OAuthModelAlias.
type ModelAlias struct {
	Name  string
	Alias string
}

// ModelRegistrationRequest is the request of model.register (§2).
type ModelRegistrationRequest struct {
	Plugin Metadata
}

// ModelRegistrationResponse is the result of model.register (§2).
type ModelRegistrationResponse struct {
	Provider string
	Models   []ModelInfo
}

// StaticModelRequest is the request of model.static (§3).
type StaticModelRequest struct {
	Plugin Metadata
	Host   HostConfigSummary
}

// AuthModelRequest is the request of model.for_auth (§4). Metadata is the credential's
// JSON object, StorageJSON the stored credential file.
type AuthModelRequest struct {
	Plugin         Metadata
	AuthID         string
	AuthProvider   string
	StorageJSON    []byte
	Metadata       map[string]any
	Attributes     map[string]string
	Host           HostConfigSummary
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// AuthParseRequest is the request of auth.parse (§5); RawJSON is the whole auth file.
type AuthParseRequest struct {
	Provider string
	Path     string
	FileName string
	RawJSON  []byte
	Host     HostConfigSummary
}

// AuthParseResponse is the result of auth.parse. Handled false means "not my file".
type AuthParseResponse struct {
	Handled bool
	Auth    *AuthData  `json:",omitempty"`
	Auths   []AuthData `json:",omitempty"` // several auths from one file; wins over Auth
}

// AuthLoginStartRequest is the request of auth.login.start (§6). BaseURL is the host's
// OAuth callback.
type AuthLoginStartRequest struct {
	Provider       string
	BaseURL        string
	Host           HostConfigSummary
	Metadata       map[string]any
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// AuthLoginStartResponse is the result of auth.login.start. The host keys the login
// session by State and hands Metadata back to every auth.login.poll.
type AuthLoginStartResponse struct {
	Provider  string
	URL       string
	State     string
	ExpiresAt time.Time `json:",omitzero"`
	Metadata  map[string]any
}

// AuthLoginPollRequest is the request of auth.login.poll (§7).
type AuthLoginPollRequest struct {
	Provider       string
	State          string
	Host           HostConfigSummary
	Metadata       map[string]any
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// Login states of AuthLoginPollResponse.Status.
const (
	LoginPending = "pending"
	LoginSuccess = "success"
	LoginError   = "error"
)

// AuthLoginPollResponse is the result of auth.login.poll.
type AuthLoginPollResponse struct {
	Status  string
	Message string     `json:",omitempty"`
	Auth    *AuthData  `json:",omitempty"`
	Auths   []AuthData `json:",omitempty"`
}

// AuthRefreshRequest is the request of auth.refresh (§8).
type AuthRefreshRequest struct {
	AuthID         string
	AuthProvider   string
	StorageJSON    []byte
	Metadata       map[string]any
	Attributes     map[string]string
	Host           HostConfigSummary
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// AuthRefreshResponse is the result of auth.refresh. The host fills every empty field of
// Auth from the current credential; the top-level NextRefreshAfter is the one it uses.
type AuthRefreshResponse struct {
	Auth             AuthData
	NextRefreshAfter time.Time
}

// FrontendAuthRequest is the request of frontend_auth.authenticate (§9).
type FrontendAuthRequest struct {
	Method  string
	Path    string
	Headers map[string][]string
	Query   map[string][]string
	Body    []byte
}

// FrontendAuthResponse is the result of frontend_auth.authenticate. Authenticated false
// means "not handled": the host asks the next provider.
type FrontendAuthResponse struct {
	Authenticated bool
	Principal     string            `json:",omitempty"`
	Metadata      map[string]string `json:",omitempty"` // string values only
}

// SchedulerPickRequest is the request of scheduler.pick (§10).
type SchedulerPickRequest struct {
	Plugin     Metadata
	Provider   string
	Providers  []string
	Model      string
	Stream     bool
	Options    SchedulerOptions
	Candidates []SchedulerAuthCandidate
}

// SchedulerOptions is SchedulerPickRequest.Options.
type SchedulerOptions struct {
	Headers  map[string][]string
	Metadata map[string]any
}

// SchedulerAuthCandidate is one credential the scheduler may pick.
type SchedulerAuthCandidate struct {
	ID         string
	Provider   string
	Priority   int
	Status     string
	Attributes map[string]string
	Metadata   map[string]any
}

// SchedulerPickResponse is the result of scheduler.pick: Handled with an AuthID among the
// candidates, or Handled with DelegateBuiltin "round-robin" / "fill-first".
type SchedulerPickResponse struct {
	AuthID          string `json:",omitempty"`
	DelegateBuiltin string `json:",omitempty"`
	Handled         bool
}

// ModelRouteRequest is the request of model.route (§11, §33).
type ModelRouteRequest struct {
	Plugin             Metadata
	PluginID           string
	SourceFormat       string
	RequestedModel     string
	Stream             bool
	Headers            map[string][]string
	Query              map[string][]string
	Body               []byte
	Metadata           map[string]any
	AvailableProviders []string
	HostCallbackID     string `json:"host_callback_id,omitempty"`
}

// Route target kinds of ModelRouteResponse.TargetKind.
const (
	RouteSelf     = "self"
	RouteExecutor = "executor"
	RouteProvider = "provider"
)

// ModelRouteResponse is the result of model.route. Target is a plugin ID (executor) or a
// provider (provider); TargetModel only matters for provider routes.
type ModelRouteResponse struct {
	Handled     bool
	TargetKind  string `json:",omitempty"`
	Target      string `json:",omitempty"`
	TargetModel string `json:",omitempty"`
	Reason      string `json:",omitempty"`
}

// ExecutorHTTPRequest is the request of executor.http_request (§15).
type ExecutorHTTPRequest struct {
	AuthID         string
	AuthProvider   string
	Method         string
	URL            string
	Headers        map[string][]string
	Body           []byte
	StorageJSON    []byte
	Metadata       map[string]any
	Attributes     map[string]string
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// ExecutorHTTPResponse is the result of executor.http_request (StatusCode 0 means 200).
type ExecutorHTTPResponse struct {
	StatusCode int
	Headers    map[string][]string
	Body       []byte
}

// RequestTransformRequest is the request of request.translate and request.normalize
// (§16, §17).
type RequestTransformRequest struct {
	FromFormat string
	ToFormat   string
	Model      string
	Stream     bool
	Body       []byte
}

// ResponseTransformRequest is the request of response.translate,
// response.normalize_before and response.normalize_after (§21-23).
type ResponseTransformRequest struct {
	FromFormat        string
	ToFormat          string
	Model             string
	Stream            bool
	OriginalRequest   []byte
	TranslatedRequest []byte
	Body              []byte
}

// PayloadResponse is the result of the translators, normalizers and thinking.apply. An
// empty Body (the zero PayloadResponse, encoded as {}) declines: the host keeps its body.
type PayloadResponse struct {
	Body []byte `json:",omitempty"`
}

// RequestInterceptRequest is the request of request.intercept_before and
// request.intercept_after (§18, §19).
type RequestInterceptRequest struct {
	RequestID      string
	TraceID        string
	SourceFormat   string
	ToFormat       string
	Model          string
	RequestedModel string
	Stream         bool
	Headers        map[string][]string
	Body           []byte
	Metadata       map[string]any
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// RequestInterceptResponse is the result of the request interceptors: ClearHeaders are
// removed, then every Headers key replaces that header; a non-empty Body replaces the
// body. Terminate answers the client with StatusCode, ResponseHeaders and ResponseBody.
type RequestInterceptResponse struct {
	Headers         map[string][]string `json:",omitempty"`
	Body            []byte              `json:",omitempty"`
	ClearHeaders    []string            `json:",omitempty"`
	Terminate       bool                `json:",omitempty"`
	StatusCode      int                 `json:",omitempty"`
	ResponseHeaders map[string][]string `json:",omitempty"`
	ResponseBody    []byte              `json:",omitempty"`
}

// Outcomes of RequestCompletion.Outcome.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeRejected  = "rejected"
	OutcomeCanceled  = "canceled"
)

// RequestCompletion is the request of request.complete (§20); the reply is ignored.
type RequestCompletion struct {
	RequestID      string
	TraceID        string
	SourceFormat   string
	Model          string
	RequestedModel string
	Stream         bool
	Outcome        string
	StatusCode     int
	Error          string
	StartedAt      time.Time
	CompletedAt    time.Time
	Metadata       map[string]any
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// ResponseInterceptRequest is the request of response.intercept_after (§24).
type ResponseInterceptRequest struct {
	RequestID       string
	SourceFormat    string
	Model           string
	RequestedModel  string
	Stream          bool
	RequestHeaders  map[string][]string
	ResponseHeaders map[string][]string
	OriginalRequest []byte
	RequestBody     []byte
	Body            []byte
	StatusCode      int
	Metadata        map[string]any
	HostCallbackID  string `json:"host_callback_id,omitempty"`
}

// ResponseInterceptResponse is the result of response.intercept_after (merge rules as
// for RequestInterceptResponse).
type ResponseInterceptResponse struct {
	Headers      map[string][]string `json:",omitempty"`
	Body         []byte              `json:",omitempty"`
	ClearHeaders []string            `json:",omitempty"`
}

// HeaderInitChunk is the StreamChunkInterceptRequest.ChunkIndex of the header-only call
// that precedes the chunks of a stream.
const HeaderInitChunk = -1

// StreamChunkInterceptRequest is the request of response.intercept_stream_chunk (§25).
type StreamChunkInterceptRequest struct {
	RequestID       string
	SourceFormat    string
	Model           string
	RequestedModel  string
	RequestHeaders  map[string][]string
	ResponseHeaders map[string][]string
	OriginalRequest []byte
	RequestBody     []byte
	Body            []byte
	HistoryChunks   [][]byte
	ChunkIndex      int
	Metadata        map[string]any
	HostCallbackID  string `json:"host_callback_id,omitempty"`
}

// StreamChunkInterceptResponse is the result of response.intercept_stream_chunk.
// DropChunk withholds the chunk and skips the remaining interceptors.
type StreamChunkInterceptResponse struct {
	Headers      map[string][]string `json:",omitempty"`
	Body         []byte              `json:",omitempty"`
	ClearHeaders []string            `json:",omitempty"`
	DropChunk    bool                `json:",omitempty"`
}

// ThinkingApplyRequest is the request of thinking.apply (§26).
type ThinkingApplyRequest struct {
	Provider       string
	Model          ModelInfo
	Config         ThinkingConfig
	Body           []byte
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// ThinkingConfig is the thinking configuration the host parsed and validated: Mode is
// budget, level, none or auto.
type ThinkingConfig struct {
	Mode   string
	Budget int
	Level  string
}

// UsageRecord is the request of usage.handle (§27); the reply is ignored.
type UsageRecord struct {
	Provider        string
	ExecutorType    string
	Model           string
	Alias           string
	APIKey          string
	AuthID          string
	AuthIndex       string
	AuthType        string
	Source          string
	ReasoningEffort string
	ServiceTier     string
	Generate        bool
	RequestedAt     time.Time
	Latency         time.Duration // integer nanoseconds on the wire
	TTFT            time.Duration
	Failed          bool
	Failure         UsageFailure
	Detail          UsageDetail
	ResponseHeaders map[string][]string
}

// UsageFailure is UsageRecord.Failure.
type UsageFailure struct {
	StatusCode int
	Body       string
}

// UsageDetail holds the token counts of a UsageRecord.
type UsageDetail struct {
	InputTokens         int64
	OutputTokens        int64
	ReasoningTokens     int64
	CachedTokens        int64
	CacheReadTokens     int64
	CacheCreationTokens int64
	TotalTokens         int64
}

// CommandLineRegistrationRequest is the request of command_line.register (§28).
type CommandLineRegistrationRequest struct {
	Plugin Metadata
}

// CommandLineRegistrationResponse is the result of command_line.register.
type CommandLineRegistrationResponse struct {
	Flags []CommandLineFlag
}

// CommandLineFlag declares one flag. Type is bool, string, int, int64, float64 or
// duration; DefaultValue must parse as that type ("" is the zero value).
type CommandLineFlag struct {
	Name         string
	Usage        string
	Type         string
	DefaultValue string
}

// CommandLineFlagValue is a parsed flag; Value is its string form.
type CommandLineFlagValue struct {
	Name  string
	Type  string
	Value string
	Set   bool
}

// CommandLineExecutionRequest is the request of command_line.execute (§29).
// TriggeredFlags holds the plugin's own flags that were set, by name.
type CommandLineExecutionRequest struct {
	Plugin         Metadata
	Program        string
	Args           []string
	ConfigPath     string
	Host           HostConfigSummary
	Flags          map[string]CommandLineFlagValue
	TriggeredFlags map[string]CommandLineFlagValue
}

// CommandLineExecutionResponse is the result of command_line.execute: the host writes
// Stdout and Stderr, saves Auths when ExitCode is 0, and exits.
type CommandLineExecutionResponse struct {
	Stdout   []byte     `json:",omitempty"`
	Stderr   []byte     `json:",omitempty"`
	Auths    []AuthData `json:",omitempty"`
	ExitCode int
}

// ManagementRegistrationRequest is the request of management.register (§30).
type ManagementRegistrationRequest struct {
	Plugin           Metadata
	BasePath         string // "/v0/management"
	ResourceBasePath string // "/v0/resource/plugins/<pluginID>"
}

// ManagementRegistrationResponse is the result of management.register.
type ManagementRegistrationResponse struct {
	Routes    []ManagementRoute `json:"routes"`
	Resources []ResourceRoute   `json:"resources"`
}

// ManagementRoute is a management API route; Path is relative to BasePath. (The host's
// struct also has a Handler, which a plugin must never send.)
type ManagementRoute struct {
	Method      string
	Path        string
	Menu        string `json:",omitempty"` // legacy: a GET route with a Menu is a resource
	Description string
}

// ResourceRoute is an unauthenticated GET page under ResourceBasePath.
type ResourceRoute struct {
	Path        string
	Menu        string
	Description string
}

// ManagementRequest is the request of management.handle (§31); Path is the full request
// path.
type ManagementRequest struct {
	Method         string
	Path           string
	Headers        map[string][]string
	Query          map[string][]string
	Body           []byte
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

// ManagementResponse is the result of management.handle (StatusCode 0 means 200).
type ManagementResponse struct {
	StatusCode int
	Headers    map[string][]string
	Body       []byte
}
