"""Synchronous client: one connection, several calls in flight, a reader thread demultiplexing frames.

    with Client(unix_path="/run/user/1000/pixwizard.sock") as c:
        for ev in c.edit("in.png", "remove the noise", preview_every=1):
            ...
"""

from __future__ import annotations

import itertools
import queue
import socket
import threading
import time
from types import TracebackType
from typing import Any, Optional, Union

from google.protobuf.message import DecodeError

from ._framing import DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError, decode_payload, encode_frame
from ._protocol import EditOptions, default_socket_path, event_of, generate_request, status_of
from ._types import (
    Event,
    ImageInput,
    ModelInfo,
    PixWizardError,
    Result,
    ServerInfo,
    Solver,
    Status,
    StatusCode,
)
from .v1 import pixwizard_pb2 as pb

_Item = Union[pb.ServerFrame, Status]


class _Call:
    __slots__ = ("id", "queue", "discard")

    def __init__(self, call_id: int) -> None:
        self.id = call_id
        self.queue: queue.Queue[_Item] = queue.Queue()
        self.discard = False  # nobody reads it any more: drop its frames until its Status


class Client:
    """A connection to the daemon over a Unix socket (default) or TCP (host/port, optional token)."""

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
        self.token = token or ""
        self.timeout = timeout
        self.max_frame_bytes = max_frame_bytes
        try:
            if port is not None:
                self._sock = socket.create_connection((host or "127.0.0.1", port), timeout=connect_timeout)
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.address = f"{host or '127.0.0.1'}:{port}"
            else:
                path = unix_path or default_socket_path()
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.settimeout(connect_timeout)
                try:
                    self._sock.connect(path)
                except OSError:
                    self._sock.close()
                    raise
                self.address = path
        except OSError as e:
            raise PixWizardError(StatusCode.UNAVAILABLE, f"cannot connect to the daemon: {e} (is `pixwizard serve` running?)") from None
        self._sock.settimeout(None)
        self._send_lock = threading.Lock()
        self._calls_lock = threading.Lock()
        self._calls: dict[int, _Call] = {}
        self._ids = itertools.count(1)
        self._broken: Optional[Status] = None
        self._note = ""  # the last connection-level Status (call id 0): why the daemon hangs up
        self._reader = threading.Thread(target=self._read_loop, name="pixwizard-reader", daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Client:
        return self

    def __exit__(self, t: Optional[type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; the daemon cancels this connection's open calls."""
        self._fail(Status(StatusCode.CANCELLED, "the client was closed"))
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=5)
        self._sock.close()

    # ------------------------------------------------------------------ plumbing

    def _read_loop(self) -> None:
        decoder = FrameDecoder(self.max_frame_bytes)
        try:
            while True:
                data = self._sock.recv(65536)
                if not data:
                    why = f" ({self._note})" if self._note else ""
                    self._fail(Status(StatusCode.UNAVAILABLE, f"the daemon closed the connection{why}"))
                    return
                for flags, payload in decoder.feed(data):
                    frame = pb.ServerFrame.FromString(decode_payload(flags, payload, self.max_frame_bytes))
                    self._dispatch(frame)
        except FrameError as e:
            self._fail(Status(StatusCode.INTERNAL, f"protocol error: {e}"))
        except DecodeError:
            self._fail(Status(StatusCode.INTERNAL, "protocol error: the daemon sent a frame that is not a ServerFrame"))
        except OSError as e:
            self._fail(Status(StatusCode.UNAVAILABLE, f"reading from the daemon failed: {e}"))
        except Exception as e:  # anything else a hostile peer provokes ends the connection, typed
            self._fail(Status(StatusCode.INTERNAL, f"protocol error: {e!r}"))

    def _dispatch(self, frame: pb.ServerFrame) -> None:
        is_status = frame.WhichOneof("body") == "status"
        if is_status and frame.call_id == 0:
            self._note = f"{StatusCode.of(frame.status.code).name}: {frame.status.message}"
        with self._calls_lock:
            call = self._calls.get(frame.call_id)
            if call is None:
                return  # unknown id, or id 0: nothing waits for it
            if is_status:
                del self._calls[frame.call_id]
        if not call.discard:
            call.queue.put(frame)

    def _fail(self, status: Status) -> None:
        with self._calls_lock:
            if self._broken is None:
                self._broken = status
            calls = list(self._calls.values())
            self._calls.clear()
        for c in calls:
            c.queue.put(status)

    def _start(self, body: str, msg: Any, discard: bool = False) -> _Call:
        with self._calls_lock:
            if self._broken is not None:
                raise PixWizardError(self._broken.code, self._broken.message)
            call = _Call(next(self._ids))
            call.discard = discard
            self._calls[call.id] = call
        frame = pb.ClientFrame(call_id=call.id, token=self.token)
        getattr(frame, body).CopyFrom(msg)
        data = encode_frame(frame.SerializeToString())
        try:
            with self._send_lock:
                self._sock.sendall(data)
        except OSError as e:
            status = Status(StatusCode.UNAVAILABLE, f"writing to the daemon failed: {e}")
            self._fail(status)
            raise PixWizardError(status.code, status.message) from None
        return call

    def _send_cancel(self, call_id: int) -> None:
        try:
            self._start("cancel", pb.CancelRequest(target_call_id=call_id), discard=True)
        except PixWizardError:
            pass  # the connection is gone: the daemon cancels the call by itself

    def _abandon(self, call: _Call) -> None:
        call.discard = True
        with self._calls_lock:
            still_open = call.id in self._calls
        if still_open:
            self._send_cancel(call.id)

    def _unary(self, body: str, msg: Any, timeout: Optional[float] = None) -> pb.ServerFrame:
        call = self._start(body, msg)
        limit = timeout if timeout is not None else self.timeout
        deadline = None if limit is None else time.monotonic() + limit
        reply: Optional[pb.ServerFrame] = None
        while True:
            try:
                item = call.queue.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._abandon(call)
                raise PixWizardError(StatusCode.DEADLINE_EXCEEDED, f"{body} timed out on the client after {limit} s") from None
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

    # ------------------------------------------------------------------ unary calls

    def health(self, timeout: Optional[float] = None) -> bool:
        return bool(self._unary("health", pb.HealthRequest(), timeout).health.serving)

    def info(self, timeout: Optional[float] = None) -> ServerInfo:
        return ServerInfo.from_pb(self._unary("server_info", pb.ServerInfoRequest(), timeout).server_info)

    def models(self, timeout: Optional[float] = None) -> list[ModelInfo]:
        return [ModelInfo.from_pb(m) for m in self._unary("list_models", pb.ListModelsRequest(), timeout).list_models.models]

    def load(self, name: str, timeout: Optional[float] = None) -> ModelInfo:
        return ModelInfo.from_pb(self._unary("load_model", pb.LoadModelRequest(name=name), timeout).load_model.model)

    def unload(self, name: str, timeout: Optional[float] = None) -> None:
        self._unary("unload_model", pb.UnloadModelRequest(name=name), timeout)

    def cancel(self, call_id: int, timeout: Optional[float] = None) -> bool:
        """Cancels a call of this connection by id; True if the daemon still had it."""
        return bool(self._unary("cancel", pb.CancelRequest(target_call_id=call_id), timeout).cancel.found)

    # ------------------------------------------------------------------ generate

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
        """Starts a Generate call; iterate the stream for its events. It ends after the Summary (status
        OK) or raises PixWizardError with the call's status, as the Swift client's stream throws."""
        opts = EditOptions(model, seed, steps, solver, text_guidance, image_guidance, resolution, width, height,
                           preview_every, preview_max_size, deadline_ms)
        req = generate_request(image, instruction, opts)
        return EditStream(self, self._start("generate", req), timeout)


class EditStream:
    """The events of one Generate call, in order: Accepted, Queued*, Stages, Progress*/Preview*, Result, Summary."""

    def __init__(self, client: Client, call: _Call, timeout: Optional[float]) -> None:
        self._client = client
        self._call = call
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._timeout = timeout
        self.status: Optional[Status] = None
        self.result: Optional[Result] = None

    @property
    def call_id(self) -> int:
        return self._call.id

    @property
    def done(self) -> bool:
        return self.status is not None

    def __iter__(self) -> EditStream:
        return self

    def __enter__(self) -> EditStream:
        return self

    def __exit__(self, t: Optional[type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        if not self.done:
            self._client._send_cancel(self._call.id)
            self._finish(Status(StatusCode.CANCELLED, "the stream was closed before it finished"))

    def cancel(self, timeout: Optional[float] = None) -> bool:
        """Asks the daemon to cancel the call, as the Swift client's GenerateCall.cancel(): True when
        the daemon still had it. Iterating then raises PixWizardError(CANCELLED)."""
        if self.done:
            return False
        return self._client.cancel(self._call.id, timeout)

    def _finish(self, status: Status) -> None:
        self.status = status
        self._call.discard = True

    def _raise_or_stop(self, status: Status) -> None:
        self._finish(status)
        if status.ok:
            raise StopIteration
        raise PixWizardError(status.code, status.message)

    def __next__(self) -> Event:
        while True:
            if self.status is not None:
                raise StopIteration
            wait = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
            try:
                item = self._call.queue.get(timeout=wait)
            except queue.Empty:
                self._client._send_cancel(self._call.id)
                self._raise_or_stop(Status(StatusCode.DEADLINE_EXCEEDED, f"the edit timed out on the client after {self._timeout} s"))
                raise AssertionError("unreachable") from None
            if isinstance(item, Status):
                self._raise_or_stop(item)
            elif item.WhichOneof("body") == "status":
                self._raise_or_stop(status_of(item))
            else:
                try:
                    ev = event_of(item, self._client.max_frame_bytes)
                except PixWizardError as e:
                    self._client._send_cancel(self._call.id)
                    self._finish(Status(e.code, e.message))
                    raise
                if ev is None:
                    continue
                if isinstance(ev, Result):
                    self.result = ev
                return ev

    def wait(self) -> Result:
        """Consumes the remaining events and returns the result (raises PixWizardError if none)."""
        for _ in self:
            pass
        if self.result is None:
            st = self.status or Status(StatusCode.INTERNAL, "no status")
            raise PixWizardError(st.code if not st.ok else StatusCode.INTERNAL, st.message or "the daemon sent no result")
        return self.result
