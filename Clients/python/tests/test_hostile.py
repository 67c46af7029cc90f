"""The client against a broken or hostile server: a small fake server on a real Unix socket (a test
peer, not a model of the daemon) sends garbage, lies, bombs and malformed previews; the client must
answer each with a typed PixWizardError and never hang or crash."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator

import pytest
import zstandard

import pixwizard.aio
from pixwizard import Client, PixWizardError, Preview, Progress, Result, StatusCode, encode_frame
from pixwizard.v1 import pixwizard_pb2 as pb

Scenario = Callable[[socket.socket], None]


def read_exact(s: socket.socket, n: int) -> bytes:
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def read_frame(s: socket.socket) -> pb.ClientFrame:
    _, n = struct.unpack(">BI", read_exact(s, 5))
    return pb.ClientFrame.FromString(read_exact(s, n))


def send(s: socket.socket, f: pb.ServerFrame, compress: bool = False) -> None:
    s.sendall(encode_frame(f.SerializeToString(), compress))


def status(call_id: int, code: int, msg: str = "") -> pb.ServerFrame:
    return pb.ServerFrame(call_id=call_id, status=pb.Status(code=code, message=msg))  # type: ignore[arg-type]


class FakeServer:
    def __init__(self, scenario: Scenario) -> None:
        self.dir = tempfile.mkdtemp(prefix="pw-hostile-")
        self.path = os.path.join(self.dir, "s.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.seen: list[pb.ClientFrame] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(scenario,), daemon=True)
        self.thread.start()

    def _run(self, scenario: Scenario) -> None:
        conn, _ = self.listener.accept()
        with conn:
            try:
                scenario(conn)
            except (EOFError, OSError):
                pass
            except BaseException as e:  # surfaced by stop()
                self.error = e

    def stop(self) -> None:
        self.thread.join(timeout=10)
        self.listener.close()
        os.unlink(self.path)
        os.rmdir(self.dir)
        assert not self.thread.is_alive()
        if self.error:
            raise self.error


@pytest.fixture
def serve() -> Iterator[Callable[[Scenario], FakeServer]]:
    servers: list[FakeServer] = []

    def start(sc: Scenario) -> FakeServer:
        servers.append(FakeServer(sc))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def health_error(serve: Callable[[Scenario], FakeServer], sc: Scenario, max_frame_bytes: int = 1 << 28) -> PixWizardError:
    srv = serve(sc)
    with Client(unix_path=srv.path, timeout=5, max_frame_bytes=max_frame_bytes) as c:
        with pytest.raises(PixWizardError) as e:
            c.health()
    return e.value


def reply_raw(data: bytes) -> Scenario:
    def sc(s: socket.socket) -> None:
        read_frame(s)
        s.sendall(data)

    return sc


def test_garbage(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x00" + bytes(range(200))))
    assert e.code in (StatusCode.INTERNAL, StatusCode.UNAVAILABLE)


def test_bad_flags(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x80\x00\x00\x00\x01\x00"))
    assert e.code == StatusCode.INTERNAL and "reserved" in e.message


def test_oversize(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x00\xff\xff\xff\xff123"))
    assert e.code == StatusCode.INTERNAL and "exceeds" in e.message


def test_lying_length_then_close(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x00\x00\x00\x00\x64\x08\x01"))
    assert e.code == StatusCode.UNAVAILABLE


def test_bad_zstd(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x01\x00\x00\x00\x06\x28\xb5\x2f\xfd\x99\x99"))
    assert e.code == StatusCode.INTERNAL


def test_zstd_bomb(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(encode_frame(bytes(4 << 20), compress=True)), max_frame_bytes=1 << 20)
    assert e.code == StatusCode.INTERNAL and "zstd" in e.message


def test_not_protobuf(serve: Callable[[Scenario], FakeServer]) -> None:
    e = health_error(serve, reply_raw(b"\x00\x00\x00\x00\x04\xff\xff\xff\xff"))
    assert e.code == StatusCode.INTERNAL and "not a ServerFrame" in e.message


def test_ok_without_reply(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        send(s, status(read_frame(s).call_id, 0))

    assert health_error(serve, sc).code == StatusCode.INTERNAL


def test_close_immediately(serve: Callable[[Scenario], FakeServer]) -> None:
    assert health_error(serve, lambda s: None).code == StatusCode.UNAVAILABLE


def test_close_with_connection_status(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        read_frame(s)
        send(s, status(0, 8, "too many connections"))

    e = health_error(serve, sc)
    assert e.code == StatusCode.UNAVAILABLE and "RESOURCE_EXHAUSTED: too many connections" in e.message


def test_unknown_ids_are_ignored(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        cid = read_frame(s).call_id
        send(s, pb.ServerFrame(call_id=cid + 1000, health=pb.HealthReply(serving=False)))
        send(s, status(cid + 1001, 0))
        send(s, status(0, 14, "connection note"))
        s.sendall(b"\x00\x00\x00\x00\x00")
        send(s, pb.ServerFrame(call_id=cid, health=pb.HealthReply(serving=True)))
        send(s, status(cid, 0))

    srv = serve(sc)
    with Client(unix_path=srv.path, timeout=5) as c:
        assert c.health() is True


def test_unknown_status_code(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        send(s, status(read_frame(s).call_id, 2, "odd"))

    e = health_error(serve, sc)
    assert e.code == StatusCode.UNKNOWN and e.message == "odd"


def test_timeout_cancels_on_server(serve: Callable[[Scenario], FakeServer]) -> None:
    got: list[pb.ClientFrame] = []

    def sc(s: socket.socket) -> None:
        got.append(read_frame(s))
        got.append(read_frame(s))
        send(s, status(got[1].call_id, 0))
        send(s, status(got[0].call_id, 1, "cancelled"))

    srv = serve(sc)
    with Client(unix_path=srv.path) as c:
        stream = c.edit(b"\x89PNG", "x", timeout=0.3)
        with pytest.raises(PixWizardError) as e:
            list(stream)
        assert e.value.code == StatusCode.DEADLINE_EXCEEDED
        srv.thread.join(5)
    assert got[1].WhichOneof("body") == "cancel" and got[1].cancel.target_call_id == got[0].call_id


def preview_frame(cid: int, w: int, h: int, data: bytes, step: int = 1) -> pb.ServerFrame:
    return pb.ServerFrame(call_id=cid, preview=pb.Preview(
        step=step, total=2, width=w, height=h, format=pb.PIXEL_FORMAT_RGB8, codec=pb.PREVIEW_CODEC_ZSTD, data=data))


def test_huge_preview_refused_connection_survives(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        gen = read_frame(s).call_id
        send(s, preview_frame(gen, 65535, 65535, zstandard.ZstdCompressor().compress(b"")))
        cancel = read_frame(s)
        assert cancel.cancel.target_call_id == gen
        send(s, status(cancel.call_id, 0))
        send(s, status(gen, 1))
        h = read_frame(s).call_id
        send(s, pb.ServerFrame(call_id=h, health=pb.HealthReply(serving=True)))
        send(s, status(h, 0))

    srv = serve(sc)
    with Client(unix_path=srv.path, timeout=5) as c:
        with pytest.raises(PixWizardError) as e:
            list(c.edit(b"\x89PNG", "x", preview_every=1, timeout=5))
        assert e.value.code == StatusCode.INTERNAL
        assert c.health() is True


def test_mismatched_preview(serve: Callable[[Scenario], FakeServer]) -> None:
    def sc(s: socket.socket) -> None:
        gen = read_frame(s).call_id
        send(s, preview_frame(gen, 4, 4, zstandard.ZstdCompressor().compress(bytes(10))))
        cancel = read_frame(s)
        send(s, status(cancel.call_id, 0))
        send(s, status(gen, 1))

    srv = serve(sc)
    with Client(unix_path=srv.path, timeout=5) as c:
        with pytest.raises(PixWizardError, match="width\\*height\\*3|undecodable") as e:
            list(c.edit(b"\x89PNG", "x", preview_every=1, timeout=5))
        assert e.value.code == StatusCode.INTERNAL


def two_streams(s: socket.socket) -> None:
    a, b = read_frame(s).call_id, read_frame(s).call_id
    px = bytes(i * 10 for i in range(12))
    for step in (1, 2):
        prog = pb.Progress(stage=pb.STAGE_DENOISE, step=step, total=2)
        send(s, pb.ServerFrame(call_id=b, progress=prog))
        send(s, pb.ServerFrame(call_id=a, progress=prog), compress=True)
        send(s, preview_frame(a, 2, 2, zstandard.ZstdCompressor().compress(px), step))
    send(s, pb.ServerFrame(call_id=a, result=pb.Result(png=b"\x89PNG-a", width=2, height=2)))
    send(s, status(b, 5, 'model "nope" not found'))
    send(s, status(a, 0))


def test_two_interleaved_streams(serve: Callable[[Scenario], FakeServer]) -> None:
    srv = serve(two_streams)
    with Client(unix_path=srv.path, timeout=5) as c:
        sa = c.edit(b"\x89PNG", "x", preview_every=1, timeout=5)
        sb = c.edit(b"\x89PNG", "x", model="nope", timeout=5)
        events_a = list(sa)
        with pytest.raises(PixWizardError) as e:
            list(sb)
    assert e.value.code == StatusCode.NOT_FOUND
    assert [ev.step for ev in events_a if isinstance(ev, Progress)] == [1, 2]
    previews = [ev for ev in events_a if isinstance(ev, Preview)]
    assert len(previews) == 2 and previews[0].to_numpy().shape == (2, 2, 3)
    assert int(previews[0].to_numpy()[1, 1, 2]) == 110
    assert previews[1].to_pil().size == (2, 2)
    assert isinstance(events_a[-1], Result) and sa.result is not None and sa.result.png == b"\x89PNG-a"


def test_aio_two_interleaved_streams_and_garbage(serve: Callable[[Scenario], FakeServer]) -> None:
    srv = serve(two_streams)
    bad = serve(reply_raw(b"\x80\x00\x00\x00\x00"))

    async def main() -> None:
        async with pixwizard.aio.Client(unix_path=srv.path, timeout=5) as c:
            sa = await c.edit(b"\x89PNG", "x", preview_every=1).start()
            sb = await c.edit(b"\x89PNG", "x", model="nope").start()

            async def drain(st: pixwizard.aio.EditStream) -> list[object]:
                return [ev async for ev in st]

            ra, rb = await asyncio.gather(drain(sa), drain(sb), return_exceptions=True)
            assert isinstance(rb, PixWizardError) and rb.code == StatusCode.NOT_FOUND
            assert isinstance(ra, list) and sum(isinstance(ev, Preview) for ev in ra) == 2
        async with pixwizard.aio.Client(unix_path=bad.path, timeout=5) as c2:
            with pytest.raises(PixWizardError) as e:
                await c2.health()
            assert e.value.code == StatusCode.INTERNAL

    asyncio.run(main())
