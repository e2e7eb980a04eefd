"""The Go field tables of every RPC payload: names, declaration order and types.

This is the single place that knows how CLIProxyAPI's structs look on the wire
(`sdk/pluginapi/types.go` and the tagged wrappers of `internal/pluginhost/rpc_schema.go`,
described in 01 §3-5 and 02). Untagged structs use exact Go field names; the tagged
wrappers use snake_case. Adapters encode and decode through these tables with
`proxy.plugins.codec` and never spell a key themselves.
"""

from __future__ import annotations

from proxy.native._cliproxy import lib

from proxy.plugins.codec import Field, ListOf, MapOf, Ptr, Struct

STRINGS = ListOf("string")

# The RPC schema version this host speaks, from the header; plugins answer 1 to it (01 §3.6).
SCHEMA_VERSION: int = lib.CLIPROXY_SCHEMA_VERSION


def _struct(name: str, *fields: tuple[str, object] | tuple[str, object, bool]) -> Struct:
    return Struct(name, tuple(Field(*f) for f in fields))  # type: ignore[arg-type]


# --- lifecycle (tagged, 01 §3.4-3.5) -------------------------------------------------

LIFECYCLE_REQUEST = _struct(
    "rpcLifecycleRequest", ("config_yaml", "bytes"), ("schema_version", "int")
)

CONFIG_FIELD = _struct(
    "ConfigField",
    ("Name", "string"),
    ("Type", "string"),
    ("EnumValues", STRINGS),
    ("Description", "string"),
)

METADATA = _struct(
    "Metadata",
    ("Name", "string"),
    ("Version", "string"),
    ("Author", "string"),
    ("GitHubRepository", "string"),
    ("Logo", "string"),
    ("ConfigFields", ListOf(CONFIG_FIELD)),
)

# The boolean capability flags, in declaration order. Registration needs at least one true
# (01 §3.5); `frontend_auth_provider_exclusive` is a modifier and does not count.
CAPABILITY_FLAGS: tuple[str, ...] = (
    "model_registrar",
    "model_provider",
    "auth_provider",
    "frontend_auth_provider",
    "scheduler",
    "model_router",
    "executor",
    "request_translator",
    "request_normalizer",
    "request_interceptor",
    "request_lifecycle_plugin",
    "response_translator",
    "response_before_translator",
    "response_after_translator",
    "response_interceptor",
    "response_stream_interceptor",
    "thinking_applier",
    "usage_plugin",
    "command_line_plugin",
    "management_api",
)

CAPABILITIES = _struct(
    "rpcCapabilities",
    ("model_registrar", "bool"),
    ("model_provider", "bool"),
    ("auth_provider", "bool"),
    ("frontend_auth_provider", "bool"),
    ("frontend_auth_provider_exclusive", "bool"),
    ("scheduler", "bool"),
    ("model_router", "bool"),
    ("executor", "bool"),
    ("executor_model_scope", "string"),
    ("executor_input_formats", STRINGS, True),
    ("executor_output_formats", STRINGS, True),
    ("request_translator", "bool"),
    ("request_normalizer", "bool"),
    ("request_interceptor", "bool"),
    ("request_lifecycle_plugin", "bool"),
    ("response_translator", "bool"),
    ("response_before_translator", "bool"),
    ("response_after_translator", "bool"),
    ("response_interceptor", "bool"),
    ("response_stream_interceptor", "bool"),
    ("thinking_applier", "bool"),
    ("usage_plugin", "bool"),
    ("command_line_plugin", "bool"),
    ("management_api", "bool"),
)

REGISTRATION = _struct(
    "rpcRegistration",
    ("schema_version", "int"),
    ("metadata", METADATA),
    ("capabilities", CAPABILITIES),
)

IDENTIFIER = _struct("rpcIdentifierResponse", ("identifier", "string"))

# --- models (02 §0.6, §2-4) -----------------------------------------------------------

THINKING_SUPPORT = _struct(
    "ThinkingSupport",
    ("Min", "int"),
    ("Max", "int"),
    ("ZeroAllowed", "bool"),
    ("DynamicAllowed", "bool"),
    ("Levels", STRINGS),
)

MODEL_INFO = _struct(
    "ModelInfo",
    ("ID", "string"),
    ("Object", "string"),
    ("Created", "int"),
    ("OwnedBy", "string"),
    ("Type", "string"),
    ("DisplayName", "string"),
    ("Name", "string"),
    ("Version", "string"),
    ("Description", "string"),
    ("InputTokenLimit", "int"),
    ("OutputTokenLimit", "int"),
    ("SupportedGenerationMethods", STRINGS),
    ("ContextLength", "int"),
    ("MaxCompletionTokens", "int"),
    ("SupportedParameters", STRINGS),
    ("SupportedInputModalities", STRINGS),
    ("SupportedOutputModalities", STRINGS),
    ("Thinking", Ptr(THINKING_SUPPORT)),
    ("UserDefined", "bool"),
)

MODEL_ALIAS = _struct("ModelAlias", ("Name", "string"), ("Alias", "string"))

HOST_CONFIG_SUMMARY = _struct(
    "HostConfigSummary",
    ("AuthDir", "string"),
    ("ProxyURL", "string"),
    ("ForceModelPrefix", "bool"),
    ("OAuthModelAlias", "raw"),
    ("ExcludedModels", "raw"),
)

AUTH_DATA = _struct(
    "AuthData",
    ("Provider", "string"),
    ("ID", "string"),
    ("FileName", "string"),
    ("Label", "string"),
    ("Prefix", "string"),
    ("ProxyURL", "string"),
    ("Disabled", "bool"),
    ("StorageJSON", "bytes"),
    ("Metadata", "any"),
    ("Attributes", "strmap"),
    ("NextRefreshAfter", "time"),
)

MODEL_REGISTRATION_REQUEST = _struct("ModelRegistrationRequest", ("Plugin", METADATA))
MODEL_REGISTRATION_RESPONSE = _struct(
    "ModelRegistrationResponse", ("Provider", "string"), ("Models", ListOf(MODEL_INFO))
)
STATIC_MODEL_REQUEST = _struct(
    "StaticModelRequest", ("Plugin", METADATA), ("Host", HOST_CONFIG_SUMMARY)
)
AUTH_MODEL_REQUEST = _struct(
    "AuthModelRequest",
    ("Plugin", METADATA),
    ("AuthID", "string"),
    ("AuthProvider", "string"),
    ("StorageJSON", "bytes"),
    ("Metadata", "any"),
    ("Attributes", "strmap"),
    ("Host", HOST_CONFIG_SUMMARY),
)
MODEL_RESPONSE = _struct(
    "ModelResponse",
    ("Provider", "string"),
    ("Models", ListOf(MODEL_INFO)),
    ("AuthUpdate", AUTH_DATA),
)

# --- executor (02 §12-15, 03 §4) --------------------------------------------------------

EXECUTOR_REQUEST = _struct(
    "ExecutorRequest",
    ("AuthID", "string"),
    ("AuthProvider", "string"),
    ("Model", "string"),
    ("Format", "string"),
    ("Stream", "bool"),
    ("Alt", "string"),
    ("Headers", "header"),
    ("Query", "query"),
    ("OriginalRequest", "bytes"),
    ("SourceFormat", "string"),
    ("Payload", "bytes"),
    ("Metadata", "any"),
    ("StorageJSON", "bytes"),
    ("AuthMetadata", "any"),
    ("AuthAttributes", "strmap"),
)

EXECUTOR_RESPONSE = _struct(
    "ExecutorResponse", ("Payload", "bytes"), ("Headers", "header"), ("Metadata", "any")
)

# `Err` is a Go error interface: any non-null value makes the reply undecodable (01 §5.1).
EXECUTOR_STREAM_CHUNK = _struct("ExecutorStreamChunk", ("Payload", "bytes"), ("Err", "raw"))

EXECUTOR_STREAM_RESPONSE = _struct(
    "rpcExecutorStreamResponse",
    ("headers", "header", True),
    ("chunks", ListOf(EXECUTOR_STREAM_CHUNK), True),
)

EXECUTOR_HTTP_REQUEST = _struct(
    "ExecutorHTTPRequest",
    ("AuthID", "string"),
    ("AuthProvider", "string"),
    ("Method", "string"),
    ("URL", "string"),
    ("Headers", "header"),
    ("Body", "bytes"),
    ("StorageJSON", "bytes"),
    ("Metadata", "any"),
    ("Attributes", "strmap"),
)
EXECUTOR_HTTP_RESPONSE = _struct(
    "ExecutorHTTPResponse", ("StatusCode", "int"), ("Headers", "header"), ("Body", "bytes")
)

# --- credentials (02 §5-8) ---------------------------------------------------------------

AUTH_PARSE_REQUEST = _struct(
    "AuthParseRequest",
    ("Provider", "string"),
    ("Path", "string"),
    ("FileName", "string"),
    ("RawJSON", "bytes"),
    ("Host", HOST_CONFIG_SUMMARY),
)
AUTH_PARSE_RESPONSE = _struct(
    "AuthParseResponse", ("Handled", "bool"), ("Auth", AUTH_DATA), ("Auths", ListOf(AUTH_DATA))
)
AUTH_LOGIN_START_REQUEST = _struct(
    "AuthLoginStartRequest",
    ("Provider", "string"),
    ("BaseURL", "string"),
    ("Host", HOST_CONFIG_SUMMARY),
    ("Metadata", "any"),
)
AUTH_LOGIN_START_RESPONSE = _struct(
    "AuthLoginStartResponse",
    ("Provider", "string"),
    ("URL", "string"),
    ("State", "string"),
    ("ExpiresAt", "time"),
    ("Metadata", "any"),
)
AUTH_LOGIN_POLL_REQUEST = _struct(
    "AuthLoginPollRequest",
    ("Provider", "string"),
    ("State", "string"),
    ("Host", HOST_CONFIG_SUMMARY),
    ("Metadata", "any"),
)
AUTH_LOGIN_POLL_RESPONSE = _struct(
    "AuthLoginPollResponse",
    ("Status", "string"),
    ("Message", "string"),
    ("Auth", AUTH_DATA),
    ("Auths", ListOf(AUTH_DATA)),
)
AUTH_REFRESH_REQUEST = _struct(
    "AuthRefreshRequest",
    ("AuthID", "string"),
    ("AuthProvider", "string"),
    ("StorageJSON", "bytes"),
    ("Metadata", "any"),
    ("Attributes", "strmap"),
    ("Host", HOST_CONFIG_SUMMARY),
)
AUTH_REFRESH_RESPONSE = _struct(
    "AuthRefreshResponse", ("Auth", AUTH_DATA), ("NextRefreshAfter", "time")
)

# --- client authentication, scheduling, routing (02 §9-11) ------------------------------

FRONTEND_AUTH_REQUEST = _struct(
    "FrontendAuthRequest",
    ("Method", "string"),
    ("Path", "string"),
    ("Headers", "header"),
    ("Query", "query"),
    ("Body", "bytes"),
)
FRONTEND_AUTH_RESPONSE = _struct(
    "FrontendAuthResponse",
    ("Authenticated", "bool"),
    ("Principal", "string"),
    ("Metadata", "strmap"),
)
SCHEDULER_CANDIDATE = _struct(
    "SchedulerAuthCandidate",
    ("ID", "string"),
    ("Provider", "string"),
    ("Priority", "int"),
    ("Status", "string"),
    ("Attributes", "strmap"),
    ("Metadata", "any"),
)
SCHEDULER_PICK_REQUEST = _struct(
    "SchedulerPickRequest",
    ("Plugin", METADATA),
    ("Provider", "string"),
    ("Providers", STRINGS),
    ("Model", "string"),
    ("Stream", "bool"),
    ("Options", _struct("SchedulerOptions", ("Headers", "header"), ("Metadata", "any"))),
    ("Candidates", ListOf(SCHEDULER_CANDIDATE)),
)
SCHEDULER_PICK_RESPONSE = _struct(
    "SchedulerPickResponse",
    ("AuthID", "string"),
    ("DelegateBuiltin", "string"),
    ("Handled", "bool"),
)
MODEL_ROUTE_REQUEST = _struct(
    "ModelRouteRequest",
    ("Plugin", METADATA),
    ("PluginID", "string"),
    ("SourceFormat", "string"),
    ("RequestedModel", "string"),
    ("Stream", "bool"),
    ("Headers", "header"),
    ("Query", "query"),
    ("Body", "bytes"),
    ("Metadata", "any"),
    ("AvailableProviders", STRINGS),
)
MODEL_ROUTE_RESPONSE = _struct(
    "ModelRouteResponse",
    ("Handled", "bool"),
    ("TargetKind", "string"),
    ("Target", "string"),
    ("TargetModel", "string"),
    ("Reason", "string"),
)

# --- translation and thinking (02 §16-17, §21-23, §26) ------------------------------------

REQUEST_TRANSFORM_REQUEST = _struct(
    "RequestTransformRequest",
    ("FromFormat", "string"),
    ("ToFormat", "string"),
    ("Model", "string"),
    ("Stream", "bool"),
    ("Body", "bytes"),
)
RESPONSE_TRANSFORM_REQUEST = _struct(
    "ResponseTransformRequest",
    ("FromFormat", "string"),
    ("ToFormat", "string"),
    ("Model", "string"),
    ("Stream", "bool"),
    ("OriginalRequest", "bytes"),
    ("TranslatedRequest", "bytes"),
    ("Body", "bytes"),
)
PAYLOAD_RESPONSE = _struct("PayloadResponse", ("Body", "bytes"))
THINKING_APPLY_REQUEST = _struct(
    "ThinkingApplyRequest",
    ("Provider", "string"),
    ("Model", MODEL_INFO),
    (
        "Config",
        _struct("ThinkingConfig", ("Mode", "string"), ("Budget", "int"), ("Level", "string")),
    ),
    ("Body", "bytes"),
)

# --- interception and lifecycle (02 §18-20, §24-25) ---------------------------------------

REQUEST_INTERCEPT_REQUEST = _struct(
    "RequestInterceptRequest",
    ("RequestID", "string"),
    ("TraceID", "string"),
    ("SourceFormat", "string"),
    ("ToFormat", "string"),
    ("Model", "string"),
    ("RequestedModel", "string"),
    ("Stream", "bool"),
    ("Headers", "header"),
    ("Body", "bytes"),
    ("Metadata", "any"),
)
REQUEST_INTERCEPT_RESPONSE = _struct(
    "RequestInterceptResponse",
    ("Headers", "header"),
    ("Body", "bytes"),
    ("ClearHeaders", STRINGS),
    ("Terminate", "bool"),
    ("StatusCode", "int"),
    ("ResponseHeaders", "header"),
    ("ResponseBody", "bytes"),
)
REQUEST_COMPLETION = _struct(
    "RequestCompletion",
    ("RequestID", "string"),
    ("TraceID", "string"),
    ("SourceFormat", "string"),
    ("Model", "string"),
    ("RequestedModel", "string"),
    ("Stream", "bool"),
    ("Outcome", "string"),
    ("StatusCode", "int"),
    ("Error", "string"),
    ("StartedAt", "time"),
    ("CompletedAt", "time"),
    ("Metadata", "any"),
)
RESPONSE_INTERCEPT_REQUEST = _struct(
    "ResponseInterceptRequest",
    ("RequestID", "string"),
    ("SourceFormat", "string"),
    ("Model", "string"),
    ("RequestedModel", "string"),
    ("Stream", "bool"),
    ("RequestHeaders", "header"),
    ("ResponseHeaders", "header"),
    ("OriginalRequest", "bytes"),
    ("RequestBody", "bytes"),
    ("Body", "bytes"),
    ("StatusCode", "int"),
    ("Metadata", "any"),
)
RESPONSE_INTERCEPT_RESPONSE = _struct(
    "ResponseInterceptResponse",
    ("Headers", "header"),
    ("Body", "bytes"),
    ("ClearHeaders", STRINGS),
)
STREAM_CHUNK_REQUEST = _struct(
    "StreamChunkInterceptRequest",
    ("RequestID", "string"),
    ("SourceFormat", "string"),
    ("Model", "string"),
    ("RequestedModel", "string"),
    ("RequestHeaders", "header"),
    ("ResponseHeaders", "header"),
    ("OriginalRequest", "bytes"),
    ("RequestBody", "bytes"),
    ("Body", "bytes"),
    ("HistoryChunks", ListOf("bytes")),
    ("ChunkIndex", "int"),
    ("Metadata", "any"),
)
STREAM_CHUNK_RESPONSE = _struct(
    "StreamChunkInterceptResponse",
    ("Headers", "header"),
    ("Body", "bytes"),
    ("ClearHeaders", STRINGS),
    ("DropChunk", "bool"),
)

# --- usage, command line, management (02 §27-31) ------------------------------------------

USAGE_RECORD = _struct(
    "UsageRecord",
    ("Provider", "string"),
    ("ExecutorType", "string"),
    ("Model", "string"),
    ("Alias", "string"),
    ("APIKey", "string"),
    ("AuthID", "string"),
    ("AuthIndex", "string"),
    ("AuthType", "string"),
    ("Source", "string"),
    ("ReasoningEffort", "string"),
    ("ServiceTier", "string"),
    ("Generate", "bool"),
    ("RequestedAt", "time"),
    ("Latency", "duration"),
    ("TTFT", "duration"),
    ("Failed", "bool"),
    ("Failure", _struct("UsageFailure", ("StatusCode", "int"), ("Body", "string"))),
    (
        "Detail",
        _struct(
            "UsageDetail",
            ("InputTokens", "int"),
            ("OutputTokens", "int"),
            ("ReasoningTokens", "int"),
            ("CachedTokens", "int"),
            ("CacheReadTokens", "int"),
            ("CacheCreationTokens", "int"),
            ("TotalTokens", "int"),
        ),
    ),
    ("ResponseHeaders", "header"),
)
COMMAND_LINE_FLAG = _struct(
    "CommandLineFlag",
    ("Name", "string"),
    ("Usage", "string"),
    ("Type", "string"),
    ("DefaultValue", "string"),
)
COMMAND_LINE_REGISTER_REQUEST = _struct("CommandLineRegistrationRequest", ("Plugin", METADATA))
COMMAND_LINE_REGISTER_RESPONSE = _struct(
    "CommandLineRegistrationResponse", ("Flags", ListOf(COMMAND_LINE_FLAG))
)
COMMAND_LINE_FLAG_VALUE = _struct(
    "CommandLineFlagValue",
    ("Name", "string"),
    ("Type", "string"),
    ("Value", "string"),
    ("Set", "bool"),
)
COMMAND_LINE_EXECUTE_REQUEST = _struct(
    "CommandLineExecutionRequest",
    ("Plugin", METADATA),
    ("Program", "string"),
    ("Args", STRINGS),
    ("ConfigPath", "string"),
    ("Host", HOST_CONFIG_SUMMARY),
    ("Flags", MapOf(COMMAND_LINE_FLAG_VALUE)),
    ("TriggeredFlags", MapOf(COMMAND_LINE_FLAG_VALUE)),
)
COMMAND_LINE_EXECUTE_RESPONSE = _struct(
    "CommandLineExecutionResponse",
    ("Stdout", "bytes"),
    ("Stderr", "bytes"),
    ("Auths", ListOf(AUTH_DATA)),
    ("ExitCode", "int"),
)
MANAGEMENT_REGISTER_REQUEST = _struct(
    "ManagementRegistrationRequest",
    ("Plugin", METADATA),
    ("BasePath", "string"),
    ("ResourceBasePath", "string"),
)
# `Handler` is a Go interface: only null decodes (02 §30), which "raw" + a check enforces.
MANAGEMENT_ROUTE = _struct(
    "ManagementRoute",
    ("Method", "string"),
    ("Path", "string"),
    ("Menu", "string"),
    ("Description", "string"),
    ("Handler", "raw"),
)
RESOURCE_ROUTE = _struct(
    "ResourceRoute",
    ("Path", "string"),
    ("Menu", "string"),
    ("Description", "string"),
    ("Handler", "raw"),
)
MANAGEMENT_REGISTER_RESPONSE = _struct(
    "rpcManagementRegistrationResponse",
    ("routes", ListOf(MANAGEMENT_ROUTE)),
    ("resources", ListOf(RESOURCE_ROUTE)),
)
MANAGEMENT_REQUEST = _struct(
    "ManagementRequest",
    ("Method", "string"),
    ("Path", "string"),
    ("Headers", "header"),
    ("Query", "query"),
    ("Body", "bytes"),
)
MANAGEMENT_RESPONSE = _struct(
    "ManagementResponse", ("StatusCode", "int"), ("Headers", "header"), ("Body", "bytes")
)

# --- host callbacks (03 §3) ------------------------------------------------------------

HOST_LOG_REQUEST = _struct(
    "hostLogRequest",
    ("host_callback_id", "string"),
    ("level", "string"),
    ("message", "string"),
    ("fields", "any"),
)
HOST_STREAM_EMIT_REQUEST = _struct(
    "hostStreamEmitRequest", ("stream_id", "string"), ("payload", "bytes"), ("error", "string")
)
HOST_STREAM_CLOSE_REQUEST = _struct(
    "hostStreamCloseRequest", ("stream_id", "string"), ("error", "string")
)
HOST_BUILD_INFO = _struct(
    "hostBuildInfo",
    ("name", "string"),
    ("version", "string"),
    ("abi_version", "int"),
    ("schema_min", "int"),
    ("schema_max", "int"),
)

HTTP_REQUEST = _struct(
    "HTTPRequest", ("method", "string"), ("url", "string"), ("headers", "header"), ("body", "bytes")
)
# The flat form, or the same fields nested under `request` (which then wins), 03 §3.2.
HOST_HTTP_REQUEST = _struct(
    "hostHTTPRequest",
    ("host_callback_id", "string"),
    ("method", "string"),
    ("url", "string"),
    ("headers", "header"),
    ("body", "bytes"),
    ("request", Ptr(HTTP_REQUEST)),
)
HOST_HTTP_RESPONSE = _struct(
    "HTTPResponse", ("StatusCode", "int"), ("Headers", "header"), ("Body", "bytes")
)
HOST_HTTP_STREAM_RESPONSE = _struct(
    "hostHTTPStreamResponse",
    ("status_code", "int"),
    ("headers", "header"),
    ("stream_id", "string"),
)
HOST_HTTP_STREAM_READ_RESPONSE = _struct(
    "hostHTTPStreamReadResponse",
    ("payload", "bytes", True),
    ("error", "string", True),
    ("done", "bool", True),
)

HOST_MODEL_EXECUTION_REQUEST = _struct(
    "HostModelExecutionRequest",
    ("entry_protocol", "string"),
    ("exit_protocol", "string"),
    ("model", "string"),
    ("stream", "bool"),
    ("body", "bytes"),
    ("headers", "header"),
    ("query", "query"),
    ("alt", "string"),
    ("host_callback_id", "string"),
)
HOST_MODEL_EXECUTION_RESPONSE = _struct(
    "HostModelExecutionResponse",
    ("status_code", "int"),
    ("headers", "header"),
    ("body", "bytes"),
)
HOST_MODEL_STREAM_RESPONSE = _struct(
    "HostModelStreamResponse",
    ("status_code", "int"),
    ("headers", "header"),
    ("stream_id", "string"),
)
HOST_MODEL_STREAM_REQUEST = _struct("HostModelStreamReadRequest", ("stream_id", "string"))
HOST_MODEL_STREAM_READ_RESPONSE = _struct(
    "HostModelStreamReadResponse", ("payload", "bytes"), ("error", "string"), ("done", "bool")
)

# --- envelope (01 §2) ------------------------------------------------------------------

ENVELOPE_ERROR = _struct(
    "rpcError",
    ("code", "string"),
    ("message", "string"),
    ("retryable", "bool"),
    ("http_status", "int"),
)
ENVELOPE = _struct("rpcEnvelope", ("ok", "bool"), ("result", "raw"), ("error", Ptr(ENVELOPE_ERROR)))
