package cliproxy

/*
#include "cliproxy_plugin.h"
*/
import "C"

// Versions and method names, taken from the macros of cliproxy_plugin.h through cgo (cgo
// turns string-literal macros into Go string constants), so they cannot drift from the
// header. methods_test.go checks that every method macro of the header has a constant here.

const (
	// ABIVersion is the value of cliproxy_plugin_api.abi_version (set by this package).
	ABIVersion = C.CLIPROXY_ABI_VERSION
	// SchemaVersion is the RPC schema version to answer in plugin.register.
	SchemaVersion = C.CLIPROXY_SCHEMA_VERSION
)

// Host -> plugin methods (the "method" argument of Handle).
const (
	MethodPluginRegister               = C.CLIPROXY_METHOD_PLUGIN_REGISTER
	MethodPluginReconfigure            = C.CLIPROXY_METHOD_PLUGIN_RECONFIGURE
	MethodPluginShutdown               = C.CLIPROXY_METHOD_PLUGIN_SHUTDOWN
	MethodModelRegister                = C.CLIPROXY_METHOD_MODEL_REGISTER
	MethodModelStatic                  = C.CLIPROXY_METHOD_MODEL_STATIC
	MethodModelForAuth                 = C.CLIPROXY_METHOD_MODEL_FOR_AUTH
	MethodAuthIdentifier               = C.CLIPROXY_METHOD_AUTH_IDENTIFIER
	MethodAuthParse                    = C.CLIPROXY_METHOD_AUTH_PARSE
	MethodAuthLoginStart               = C.CLIPROXY_METHOD_AUTH_LOGIN_START
	MethodAuthLoginPoll                = C.CLIPROXY_METHOD_AUTH_LOGIN_POLL
	MethodAuthRefresh                  = C.CLIPROXY_METHOD_AUTH_REFRESH
	MethodFrontendAuthIdentifier       = C.CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER
	MethodFrontendAuthAuthenticate     = C.CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE
	MethodSchedulerPick                = C.CLIPROXY_METHOD_SCHEDULER_PICK
	MethodModelRoute                   = C.CLIPROXY_METHOD_MODEL_ROUTE
	MethodExecutorIdentifier           = C.CLIPROXY_METHOD_EXECUTOR_IDENTIFIER
	MethodExecutorExecute              = C.CLIPROXY_METHOD_EXECUTOR_EXECUTE
	MethodExecutorExecuteStream        = C.CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM
	MethodExecutorCountTokens          = C.CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS
	MethodExecutorHTTPRequest          = C.CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST
	MethodRequestTranslate             = C.CLIPROXY_METHOD_REQUEST_TRANSLATE
	MethodRequestNormalize             = C.CLIPROXY_METHOD_REQUEST_NORMALIZE
	MethodRequestInterceptBefore       = C.CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE
	MethodRequestInterceptAfter        = C.CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER
	MethodRequestComplete              = C.CLIPROXY_METHOD_REQUEST_COMPLETE
	MethodResponseTranslate            = C.CLIPROXY_METHOD_RESPONSE_TRANSLATE
	MethodResponseNormalizeBefore      = C.CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE
	MethodResponseNormalizeAfter       = C.CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER
	MethodResponseInterceptAfter       = C.CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER
	MethodResponseInterceptStreamChunk = C.CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK
	MethodThinkingIdentifier           = C.CLIPROXY_METHOD_THINKING_IDENTIFIER
	MethodThinkingApply                = C.CLIPROXY_METHOD_THINKING_APPLY
	MethodUsageHandle                  = C.CLIPROXY_METHOD_USAGE_HANDLE
	MethodCommandLineRegister          = C.CLIPROXY_METHOD_COMMAND_LINE_REGISTER
	MethodCommandLineExecute           = C.CLIPROXY_METHOD_COMMAND_LINE_EXECUTE
	MethodManagementRegister           = C.CLIPROXY_METHOD_MANAGEMENT_REGISTER
	MethodManagementHandle             = C.CLIPROXY_METHOD_MANAGEMENT_HANDLE
)

// Plugin -> host callbacks (the "method" argument of HostCall).
const (
	HostLog                = C.CLIPROXY_HOST_LOG
	HostHTTPDo             = C.CLIPROXY_HOST_HTTP_DO
	HostHTTPDoStream       = C.CLIPROXY_HOST_HTTP_DO_STREAM
	HostHTTPStreamRead     = C.CLIPROXY_HOST_HTTP_STREAM_READ
	HostHTTPStreamClose    = C.CLIPROXY_HOST_HTTP_STREAM_CLOSE
	HostModelExecute       = C.CLIPROXY_HOST_MODEL_EXECUTE
	HostModelExecuteStream = C.CLIPROXY_HOST_MODEL_EXECUTE_STREAM
	HostModelStreamRead    = C.CLIPROXY_HOST_MODEL_STREAM_READ
	HostModelStreamClose   = C.CLIPROXY_HOST_MODEL_STREAM_CLOSE
	HostStreamEmit         = C.CLIPROXY_HOST_STREAM_EMIT
	HostStreamClose        = C.CLIPROXY_HOST_STREAM_CLOSE
	HostAuthList           = C.CLIPROXY_HOST_AUTH_LIST
	HostAuthGet            = C.CLIPROXY_HOST_AUTH_GET
	HostAuthGetRuntime     = C.CLIPROXY_HOST_AUTH_GET_RUNTIME
	HostAuthSave           = C.CLIPROXY_HOST_AUTH_SAVE
	HostBuildInfo          = C.CLIPROXY_HOST_BUILD_INFO
)

// macroNames maps each header macro to its constant, for methods_test.go.
var macroNames = map[string]string{
	"CLIPROXY_METHOD_PLUGIN_REGISTER":                 MethodPluginRegister,
	"CLIPROXY_METHOD_PLUGIN_RECONFIGURE":              MethodPluginReconfigure,
	"CLIPROXY_METHOD_PLUGIN_SHUTDOWN":                 MethodPluginShutdown,
	"CLIPROXY_METHOD_MODEL_REGISTER":                  MethodModelRegister,
	"CLIPROXY_METHOD_MODEL_STATIC":                    MethodModelStatic,
	"CLIPROXY_METHOD_MODEL_FOR_AUTH":                  MethodModelForAuth,
	"CLIPROXY_METHOD_AUTH_IDENTIFIER":                 MethodAuthIdentifier,
	"CLIPROXY_METHOD_AUTH_PARSE":                      MethodAuthParse,
	"CLIPROXY_METHOD_AUTH_LOGIN_START":                MethodAuthLoginStart,
	"CLIPROXY_METHOD_AUTH_LOGIN_POLL":                 MethodAuthLoginPoll,
	"CLIPROXY_METHOD_AUTH_REFRESH":                    MethodAuthRefresh,
	"CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER":        MethodFrontendAuthIdentifier,
	"CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE":      MethodFrontendAuthAuthenticate,
	"CLIPROXY_METHOD_SCHEDULER_PICK":                  MethodSchedulerPick,
	"CLIPROXY_METHOD_MODEL_ROUTE":                     MethodModelRoute,
	"CLIPROXY_METHOD_EXECUTOR_IDENTIFIER":             MethodExecutorIdentifier,
	"CLIPROXY_METHOD_EXECUTOR_EXECUTE":                MethodExecutorExecute,
	"CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM":         MethodExecutorExecuteStream,
	"CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS":           MethodExecutorCountTokens,
	"CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST":           MethodExecutorHTTPRequest,
	"CLIPROXY_METHOD_REQUEST_TRANSLATE":               MethodRequestTranslate,
	"CLIPROXY_METHOD_REQUEST_NORMALIZE":               MethodRequestNormalize,
	"CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE":        MethodRequestInterceptBefore,
	"CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER":         MethodRequestInterceptAfter,
	"CLIPROXY_METHOD_REQUEST_COMPLETE":                MethodRequestComplete,
	"CLIPROXY_METHOD_RESPONSE_TRANSLATE":              MethodResponseTranslate,
	"CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE":       MethodResponseNormalizeBefore,
	"CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER":        MethodResponseNormalizeAfter,
	"CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER":        MethodResponseInterceptAfter,
	"CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK": MethodResponseInterceptStreamChunk,
	"CLIPROXY_METHOD_THINKING_IDENTIFIER":             MethodThinkingIdentifier,
	"CLIPROXY_METHOD_THINKING_APPLY":                  MethodThinkingApply,
	"CLIPROXY_METHOD_USAGE_HANDLE":                    MethodUsageHandle,
	"CLIPROXY_METHOD_COMMAND_LINE_REGISTER":           MethodCommandLineRegister,
	"CLIPROXY_METHOD_COMMAND_LINE_EXECUTE":            MethodCommandLineExecute,
	"CLIPROXY_METHOD_MANAGEMENT_REGISTER":             MethodManagementRegister,
	"CLIPROXY_METHOD_MANAGEMENT_HANDLE":               MethodManagementHandle,
	"CLIPROXY_HOST_LOG":                               HostLog,
	"CLIPROXY_HOST_HTTP_DO":                           HostHTTPDo,
	"CLIPROXY_HOST_HTTP_DO_STREAM":                    HostHTTPDoStream,
	"CLIPROXY_HOST_HTTP_STREAM_READ":                  HostHTTPStreamRead,
	"CLIPROXY_HOST_HTTP_STREAM_CLOSE":                 HostHTTPStreamClose,
	"CLIPROXY_HOST_MODEL_EXECUTE":                     HostModelExecute,
	"CLIPROXY_HOST_MODEL_EXECUTE_STREAM":              HostModelExecuteStream,
	"CLIPROXY_HOST_MODEL_STREAM_READ":                 HostModelStreamRead,
	"CLIPROXY_HOST_MODEL_STREAM_CLOSE":                HostModelStreamClose,
	"CLIPROXY_HOST_STREAM_EMIT":                       HostStreamEmit,
	"CLIPROXY_HOST_STREAM_CLOSE":                      HostStreamClose,
	"CLIPROXY_HOST_AUTH_LIST":                         HostAuthList,
	"CLIPROXY_HOST_AUTH_GET":                          HostAuthGet,
	"CLIPROXY_HOST_AUTH_GET_RUNTIME":                  HostAuthGetRuntime,
	"CLIPROXY_HOST_AUTH_SAVE":                         HostAuthSave,
	"CLIPROXY_HOST_BUILD_INFO":                        HostBuildInfo,
}
