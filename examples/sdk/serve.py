"""Embeds cliproxy with two Python executors and a translator, then serves it:

    python examples/sdk/serve.py --upstream http://127.0.0.1:9000/v1 --key sk-...

- models `echo-bot` run on the myprov.chat echo bot (myprov.py), reached from OpenAI,
  Claude, Gemini and Responses clients through the myprov.chat <-> OpenAI translator;
- models given with `--model` run on any OpenAI-compatible API at `--upstream`
  (openai_url.py), with one credential per `--key` (rotated, failed over);
- clients authenticate with `--client-key` (checked by a Python access provider);
- every execution's usage is logged by a usage observer.

`python examples/sdk/local_upstream.py` starts an OpenAI-compatible echo API to try it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from myprov import TRANSLATION, EchoBotExecutor
from openai_url import OpenAIURLExecutor

from proxy import sdk

log = logging.getLogger("example")


def client_keys(allowed: set[str]) -> sdk.AccessProvider:
    async def check(request: sdk.AccessRequest) -> sdk.AccessResult | None:
        if request.credential in allowed:
            return sdk.AccessResult(principal=request.credential, provider="example-keys")
        return None

    return check


def log_usage(record: sdk.UsageRecord) -> None:
    log.info(
        "usage: %s on %s (%s) tokens in=%d out=%d failed=%s",
        record.requested_model,
        record.provider,
        record.auth_id or "-",
        record.tokens.get("InputTokens", 0),
        record.tokens.get("OutputTokens", 0),
        record.failed,
    )


def builder(arguments: argparse.Namespace) -> sdk.Builder:
    builder = sdk.Builder()
    if arguments.config:
        builder.with_config_file(arguments.config)
    else:
        builder.with_config({"host": "127.0.0.1", "port": arguments.port})
    builder.with_translator(*TRANSLATION)
    builder.with_executor(EchoBotExecutor(), sdk.Auth(id="echo", provider="myprov"))
    if arguments.upstream:
        keys = [
            sdk.Auth(
                id=f"upstream-key-{n}",
                provider="openai-url",
                attributes={"base_url": arguments.upstream, "api_key": key},
            )
            for n, key in enumerate(arguments.key or [""], 1)
        ]
        builder.with_executor(OpenAIURLExecutor(models=tuple(arguments.model)), *keys)
    if arguments.client_key:
        builder.with_access_provider(client_keys(set(arguments.client_key)))
    builder.with_usage_observer(log_usage)
    return builder


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="a cliproxy YAML config (host, port, plugins, ...)")
    parser.add_argument("--port", type=int, default=8317)
    parser.add_argument("--upstream", help="base URL of an OpenAI-compatible API (…/v1)")
    parser.add_argument("--key", action="append", help="an API key for --upstream (repeat)")
    parser.add_argument("--model", action="append", default=[], help="a model of --upstream")
    parser.add_argument("--client-key", action="append", help="a key clients must present")
    return parser


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    builder(parser().parse_args()).build().run()


if __name__ == "__main__":
    main()
