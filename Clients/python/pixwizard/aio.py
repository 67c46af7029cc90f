"""The same client for asyncio: one connection, several calls in flight, a reader task.

    async with pixwizard.aio.Client(unix_path=path) as c:
        async for ev in c.edit("in.png", "remove the noise", preview_every=1):
            ...
"""

from __future__ import annotations

import asyncio
import itertools
from types import TracebackType
from typing import Any, Optional, Union

from google.protobuf.message import DecodeError

from ._framing import DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError, decode_payload, encode_frame
from ._protocol import EditOptions, default_socket_path, event_of, generate_request, status_of
from ._types import (
    Accepted,
    Event,
    ImageInput,
    ModelInfo,
    PixWizardError,
    Preview,
    Progress,
    Queued,
    Result,
    ServerInfo,
    Solver,
    Stage,
    Stages,
    Status,
    StatusCode,
    Summary,
)
from .v1 import pixwizard_pb2 as pb

__all__ = [
    "Client", "EditStream", "PixWizardError", "StatusCode", "Status", "Stage", "Solver", "Event",
    "Accepted", "Queued", "Stages", "Progress", "Preview", "Result", "Summary", "ModelInfo", "ServerInfo",
]

_Item = Union[pb.ServerFrame, Status]


class _Call:
    __slots__ = ("id", "queue", "discard")

    def __init__(self, call_id: int) -> None:
        self.id = call_id
        self.queue: asyncio.Queue[_Item] = asyncio.Queue()
        self.discard = False


class Client:
    """`async with Client(unix_path=...)` or `Client(host=..., port=..., token=...)`; or `await Client(...).connect()`."""

    def __init__(
        self,
        unix_path: Optional[str] = None,
        *,
        host: Optional[str] = None,
        port: Optional[int] = None,
        token: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: float = 10.0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        self._unix_path = unix_path
        self._host = host
        self._port = port
        self.token = token or ""
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_frame_bytes = max_frame_bytes
        self._reader: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._task: Optional[asyncio.Task[None]] = None
        self._calls: dict[int, _Call] = {}
        self._ids = itertools.count(1)
        self._broken: Optional[Status] = None
        self._note = ""  # the last connection-level Status (call id 0): why the daemon hangs up
        self._send_lock = asyncio.Lock()

    async def connect(self) -> Client:
        try:
            if self._port is not None:
                conn = asyncio.open_connection(self._host or "127.0.0.1", self._port)
            else:
                conn = asyncio.open_unix_connection(self._unix_path or default_socket_path())
            self._reader, self._writer = await asyncio.wait_for(conn, self.connect_timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise PixWizardError(StatusCode.UNAVAILABLE, f"cannot connect to the daemon: {e!r} (is `pixwizard serve` running?)") from None
        self._task = asyncio.get_running_loop().create_task(self._read_loop())
        return self

    async def __aenter__(self) -> Client:
        return await self.connect()

    async def __aexit__(self, t: Optional[type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        await self.close()

    async def close(self) -> None:
        self._fail(Status(StatusCode.CANCELLED, "the client was closed"))
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _read_loop(self) -> None:
        assert self._reader is not None
        decoder = FrameDecoder(self.max_frame_bytes)
        try:
            while True:
                data = await self._reader.read(65536)
                if not data:
                    why = f" ({self._note})" if self._note else ""
                    self._fail(Status(StatusCode.UNAVAILABLE, f"the daemon closed the connection{why}"))
                    return
                for flags, payload in decoder.feed(data):
                    self._dispatch(pb.ServerFrame.FromString(decode_payload(flags, payload, self.max_frame_bytes)))
        except FrameError as e:
            self._fail(Status(StatusCode.INTERNAL, f"protocol error: {e}"))
        except DecodeError:
            self._fail(Status(StatusCode.INTERNAL, "protocol error: the daemon sent a frame that is not a ServerFrame"))
        except OSError as e:
            self._fail(Status(StatusCode.UNAVAILABLE, f"reading from the daemon failed: {e}"))
        except Exception as e:  # anything else a hostile peer provokes ends the connection, typed
            self._fail(Status(StatusCode.INTERNAL, f"protocol error: {e!r}"))
        if self._writer is not None:
            self._writer.close()

    def _dispatch(self, frame: pb.ServerFrame) -> None:
        if frame.call_id == 0 and frame.WhichOneof("body") == "status":
            self._note = f"{StatusCode.of(frame.status.code).name}: {frame.status.message}"
        call = self._calls.get(frame.call_id)
        if call is None:
            return
        if frame.WhichOneof("body") == "status":
            del self._calls[frame.call_id]
        if not call.discard:
            call.queue.put_nowait(frame)

    def _fail(self, status: Status) -> None:
        if self._broken is None:
            self._broken = status
        calls = list(self._calls.values())
        self._calls.clear()
        for c in calls:
            c.queue.put_nowait(status)

    async def _start(self, body: str, msg: Any, discard: bool = False) -> _Call:
        if self._writer is None:
            raise PixWizardError(StatusCode.UNAVAILABLE, "not connected: use `async with Client(...)` or `await client.connect()`")
        if self._broken is not None:
            raise PixWizardError(self._broken.code, self._broken.message)
        call = _Call(next(self._ids))
        call.discard = discard
        self._calls[call.id] = call
        frame = pb.ClientFrame(call_id=call.id, token=self.token)
        getattr(frame, body).CopyFrom(msg)
        try:
            async with self._send_lock:
                self._writer.write(encode_frame(frame.SerializeToString()))
                await self._writer.drain()
        except (OSError, RuntimeError) as e:
            status = Status(StatusCode.UNAVAILABLE, f"writing to the daemon failed: {e}")
            self._fail(status)
            raise PixWizardError(status.code, status.message) from None
        return call

    async def _send_cancel(self, call_id: int) -> None:
        try:
            await self._start("cancel", pb.CancelRequest(target_call_id=call_id), discard=True)
        except PixWizardError:
            pass

    async def _unary(self, body: str, msg: Any, timeout: Optional[float] = None) -> pb.ServerFrame:
        call = await self._start(body, msg)
        limit = timeout if timeout is not None else self.timeout
        try:
            return await asyncio.wait_for(self._collect(call, body), limit)
        except asyncio.TimeoutError:
            call.discard = True
            if call.id in self._calls:
                await self._send_cancel(call.id)
            raise PixWizardError(StatusCode.DEADLINE_EXCEEDED, f"{body} timed out on the client after {limit} s") from None

    async def _collect(self, call: _Call, body: str) -> pb.ServerFrame:
        reply: Optional[pb.ServerFrame] = None
        while True:
            item = await call.queue.get()
            if isinstance(item, Status):
                raise PixWizardError(item.code, item.message)
            kind = item.WhichOneof("body")
            if kind == "status":
                st = status_of(item)
                if not st.ok:
                    raise PixWizardError(st.code, st.message)
                if reply is None:
                    raise PixWizardError(StatusCode.INTERNAL, f"protocol error: the daemon ended {body} OK without a reply")
                return reply
            if kind == body and reply is None:
                reply = item

    async def health(self, timeout: Optional[float] = None) -> bool:
        return bool((await self._unary("health", pb.HealthRequest(), timeout)).health.serving)

    async def info(self, timeout: Optional[float] = None) -> ServerInfo:
        return ServerInfo.from_pb((await self._unary("server_info", pb.ServerInfoRequest(), timeout)).server_info)

    async def models(self, timeout: Optional[float] = None) -> list[ModelInfo]:
        r = await self._unary("list_models", pb.ListModelsRequest(), timeout)
        return [ModelInfo.from_pb(m) for m in r.list_models.models]

    async def load(self, name: str, timeout: Optional[float] = None) -> ModelInfo:
        return ModelInfo.from_pb((await self._unary("load_model", pb.LoadModelRequest(name=name), timeout)).load_model.model)

    async def unload(self, name: str, timeout: Optional[float] = None) -> None:
        await self._unary("unload_model", pb.UnloadModelRequest(name=name), timeout)

    async def cancel(self, call_id: int, timeout: Optional[float] = None) -> bool:
        return bool((await self._unary("cancel", pb.CancelRequest(target_call_id=call_id), timeout)).cancel.found)

    def edit(
        self,
        image: ImageInput,
        instruction: str,
        *,
        model: str = "",
        seed: int = 0,
        steps: int = 0,
        solver: Solver = Solver.DEFAULT,
        text_guidance: Optional[float] = None,
        image_guidance: Optional[float] = None,
        resolution: int = 0,
        width: int = 0,
        height: int = 0,
        preview_every: int = 0,
        preview_max_size: int = 0,
        deadline_ms: int = 0,
        timeout: Optional[float] = None,
    ) -> EditStream:
        """A Generate call, sent when the stream is first awaited (`await stream.start()` or `async for`)."""
        opts = EditOptions(model, seed, steps, solver, text_guidance, image_guidance, resolution, width, height,
                           preview_every, preview_max_size, deadline_ms)
        return EditStream(self, generate_request(image, instruction, opts), timeout)


class EditStream:
    """Async iterator of the events of one Generate call; same semantics as the sync EditStream."""

    def __init__(self, client: Client, request: pb.GenerateRequest, timeout: Optional[float]) -> None:
        self._client = client
        self._request = request
        self._call: Optional[_Call] = None
        self._timeout = timeout
        self._deadline: Optional[float] = None
        self.status: Optional[Status] = None
        self.result: Optional[Result] = None

    async def start(self) -> EditStream:
        if self._call is None:
            self._call = await self._client._start("generate", self._request)
            if self._timeout is not None:
                self._deadline = asyncio.get_running_loop().time() + self._timeout
        return self

    @property
    def call_id(self) -> int:
        return self._call.id if self._call is not None else 0

    @property
    def done(self) -> bool:
        return self.status is not None

    def __aiter__(self) -> EditStream:
        return self

    async def __aenter__(self) -> EditStream:
        return await self.start()

    async def __aexit__(self, t: Optional[type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        if not self.done and self._call is not None:
            await self._client._send_cancel(self._call.id)
            self._finish(Status(StatusCode.CANCELLED, "the stream was closed before it finished"))

    async def cancel(self, timeout: Optional[float] = None) -> bool:
        """True when the daemon still had the call; iterating then raises PixWizardError(CANCELLED)."""
        if self.done or self._call is None:
            return False
        return await self._client.cancel(self._call.id, timeout)

    def _finish(self, status: Status) -> None:
        self.status = status
        if self._call is not None:
            self._call.discard = True

    def _end(self, status: Status) -> None:
        self._finish(status)
        if status.ok:
            raise StopAsyncIteration
        raise PixWizardError(status.code, status.message)

    async def __anext__(self) -> Event:
        await self.start()
        call = self._call
        assert call is not None
        while True:
            if self.status is not None:
                raise StopAsyncIteration
            wait = None if self._deadline is None else max(0.0, self._deadline - asyncio.get_running_loop().time())
            try:
                item = await asyncio.wait_for(call.queue.get(), wait)
            except asyncio.TimeoutError:
                await self._client._send_cancel(call.id)
                self._end(Status(StatusCode.DEADLINE_EXCEEDED, f"the edit timed out on the client after {self._timeout} s"))
                raise AssertionError("unreachable") from None
            if isinstance(item, Status):
                self._end(item)
            elif item.WhichOneof("body") == "status":
                self._end(status_of(item))
            else:
                try:
                    ev = event_of(item, self._client.max_frame_bytes)
                except PixWizardError as e:
                    await self._client._send_cancel(call.id)
                    self._finish(Status(e.code, e.message))
                    raise
                if ev is None:
                    continue
                if isinstance(ev, Result):
                    self.result = ev
                return ev

    async def wait(self) -> Result:
        async for _ in self:
            pass
        if self.result is None:
            st = self.status or Status(StatusCode.INTERNAL, "no status")
            raise PixWizardError(st.code if not st.ok else StatusCode.INTERNAL, st.message or "the daemon sent no result")
        return self.result


# Names for `from pixwizard.aio import *` users who want the event types too.
_ = (Accepted, Queued, Stages, Progress, Preview, Summary, Stage)
