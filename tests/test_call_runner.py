"""The worker pools behind plugin calls: many calls in flight, deadlines, closed plugins."""

from __future__ import annotations

import asyncio
import json

import pytest

from proxy.errors import PluginClosedError, PluginTimeoutError
from proxy.native.library import NativeLibrary
from proxy.plugins import registration
from proxy.plugins.dispatch import CallRunner
from proxy.plugins.host_calls import HostCalls
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import StreamRegistry


@pytest.fixture
def library(test_plugins, marker_dir):
    calls = HostCalls(StreamRegistry(16), ScopeRegistry())
    loaded = NativeLibrary.open(test_plugins["testplugin"], calls.for_plugin("runner"))
    loaded.call("plugin.register", registration.request("name: runner\n"))
    yield loaded
    (marker_dir / "release-hang").touch()
    loaded.shutdown(10)


def test_more_calls_in_flight_than_one_collection_batch(library) -> None:
    """600 concurrent calls: completions arrive in several batches, none is lost."""

    async def run() -> list[bytes]:
        runner = CallRunner(workers=8, timeout=30)
        try:
            replies = await asyncio.gather(
                *(
                    runner.call("t", library, "executor.execute", b'{"Model":"test-ok"}')
                    for _ in range(600)
                )
            )
        finally:
            runner.close()
        return [r.data for r in replies]

    data = asyncio.run(run())
    assert len(data) == 600
    assert all(json.loads(d)["ok"] is True for d in data)
    assert library.in_flight == 0


def test_calls_queued_together_run_side_by_side(library, marker_dir) -> None:
    """Calls submitted in one loop pass wake one worker, which wakes the next: a call
    queued behind three that hang still runs at once on a fourth thread."""

    async def run() -> bytes:
        runner = CallRunner(workers=4, timeout=30)
        try:
            hanging = [
                asyncio.ensure_future(
                    runner.call("hang", library, "executor.execute", b'{"Model":"test-hang"}')
                )
                for _ in range(3)
            ]
            ok = await asyncio.wait_for(
                runner.call("ok", library, "executor.execute", b'{"Model":"test-ok"}'), 10
            )
            assert not any(call.done() for call in hanging)
            (marker_dir / "release-hang").touch()
            await asyncio.gather(*hanging)
            return ok.data
        finally:
            runner.close()

    assert json.loads(asyncio.run(run()))["ok"] is True
    assert library.in_flight == 0


def test_a_call_past_its_deadline_times_out_and_the_pool_keeps_working(library, marker_dir) -> None:
    async def run() -> bytes:
        runner = CallRunner(workers=2, timeout=30)
        try:
            with pytest.raises(PluginTimeoutError, match=r"did not answer within 0\.2s"):
                await runner.call(
                    "hang", library, "executor.execute", b'{"Model":"test-hang"}', timeout=0.2
                )
            ok = await runner.call("ok", library, "executor.execute", b'{"Model":"test-ok"}')
            (marker_dir / "release-hang").touch()
            return ok.data
        finally:
            runner.close()

    assert json.loads(asyncio.run(run()))["ok"] is True
    # The timed-out call finished after its loop was gone; it must not pin the plugin.
    assert library.shutdown(timeout=5) is True


def test_calls_to_a_shut_down_plugin_are_refused(library) -> None:
    async def run() -> None:
        runner = CallRunner(workers=2, timeout=30)
        try:
            with pytest.raises(PluginClosedError):
                await runner.call("closed", library, "executor.execute", b"{}")
        finally:
            runner.close()

    assert library.shutdown(5)
    asyncio.run(run())


@pytest.mark.parametrize("lang", ["c", "rust", "go"])
def test_count_tokens_through_the_executor_adapter(example, lang: str) -> None:
    from proxy.config import parse
    from proxy.executors import Call
    from proxy.runtime import Runtime

    config = parse(
        f"plugins:\n  enabled: true\n  configs:\n    executor-{lang}:\n      enabled: true\n"
        f"      path: {example('executor', lang)}\n"
    )
    runtime = Runtime(config)
    runtime.apply(config)
    executor = runtime.current.catalog.resolve(f"example-echo-{lang}").executor
    assert executor is not None
    payload = json.dumps({"messages": [{"role": "user", "content": "count these three"}]})

    async def run() -> bytes:
        call = Call(
            {"Model": "m", "Payload": payload.encode()}, "req-1", runtime.scopes, runtime.streams
        )
        reply = await executor.count_tokens(call)
        return reply.payload

    try:
        assert json.loads(asyncio.run(run())) == {"input_tokens": 3}
        assert len(runtime.scopes) == 0  # the callback scope was closed with the call
    finally:
        runtime.shutdown()
