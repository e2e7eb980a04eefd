"""An OpenAI-compatible chat completions API that echoes the last user message, for
trying serve.py by hand:

    python examples/sdk/local_upstream.py --port 9000
    python examples/sdk/serve.py --upstream http://127.0.0.1:9000/v1 --model echo-1
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator

from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


async def chat(request: Request) -> Response:
    body = await request.json()
    text = str(body["messages"][-1].get("content", ""))
    usage = {"prompt_tokens": 1, "completion_tokens": len(text.split())}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    head = {"id": "chatcmpl-local", "created": 0, "model": body.get("model", "")}
    if not body.get("stream"):
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
        }
        return JSONResponse(
            {**head, "object": "chat.completion", "choices": [choice], "usage": usage}
        )

    async def events() -> AsyncIterator[bytes]:
        for word in text.split():
            delta = {"index": 0, "delta": {"content": word + " "}, "finish_reason": None}
            chunk = {**head, "object": "chat.completion.chunk", "choices": [delta]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        last = {
            **head,
            "object": "chat.completion.chunk",
            "usage": usage,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
        yield f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode()

    return StreamingResponse(events(), media_type="text/event-stream")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    config = Config()
    config.bind = [f"127.0.0.1:{parser.parse_args().port}"]
    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    asyncio.run(serve(app, config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
