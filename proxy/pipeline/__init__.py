"""The request pipeline, one module per stage, in the order a request meets them:

1. `authenticate`  client API key (`api-keys`), before anything else is read;
2. `parse`         body size limit, JSON, model and stream flag;
3. `resolve`       model -> the executor that serves it;
4. `execute`       the executor call, non-stream or stream, format checks included.

The HTTP layer (`proxy.http`) calls these stages and renders their results and errors in
the client's API format. Later stages of CLIProxyAPI's pipeline (routers, interceptors,
schedulers, translators) slot in between these modules (02 §34).
"""
