"""Small helpers shared by the capability tests."""

from __future__ import annotations

import json
from pathlib import Path

import httpx


def chat(model: str, text: str = "hello there", stream: bool = False) -> dict:
    return {"model": model, "stream": stream, "messages": [{"role": "user", "content": text}]}


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def reflected(response: httpx.Response) -> dict:
    """The ExecutorRequest the test plugin's `test-reflect` model saw."""
    return json.loads(content(response))


def sse_payloads(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


def stream_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    pieces = []
    for payload in sse_payloads(response.text):
        if payload == "[DONE]":
            continue
        delta = json.loads(payload)["choices"][0].get("delta", {})
        pieces.append(delta.get("content") or "")
    return "".join(pieces)


def write_credential(auth_dir: Path, name: str, body: dict) -> Path:
    auth_dir.mkdir(parents=True, exist_ok=True)
    path = auth_dir / name
    path.write_text(json.dumps(body))
    return path


def json_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
