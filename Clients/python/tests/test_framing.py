"""Frame codec: byte by byte, many in one buffer, truncated, oversize, bad flags, garbage, zstd limits."""

from __future__ import annotations

import random
import struct

import pytest
import zstandard

from pixwizard import FrameDecoder, FrameError, encode_frame
from pixwizard._framing import decode_payload, zstd_decompress
from pixwizard.v1 import pixwizard_pb2 as pb


def frames_of(chunks: list[bytes], max_frame: int = 1 << 20) -> list[tuple[int, bytes]]:
    d = FrameDecoder(max_frame)
    out: list[tuple[int, bytes]] = []
    for c in chunks:
        out += d.feed(c)
    return out


def test_header_layout() -> None:
    assert encode_frame(b"\x08\x01R\x00") == b"\x00\x00\x00\x00\x04\x08\x01R\x00"
    assert encode_frame(b"") == b"\x00\x00\x00\x00\x00"
    z = encode_frame(b"a" * 1000, compress=True)
    assert z[0] == 1 and struct.unpack(">I", z[1:5])[0] == len(z) - 5 < 1000


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 1000])
def test_many_frames_any_chunking(chunk: int) -> None:
    payloads = [b"\x08\x01R\x00", b"", bytes(range(256)) * 10]
    stream = encode_frame(payloads[0]) + encode_frame(payloads[1]) + encode_frame(payloads[2], compress=True)
    got = frames_of([stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    assert [f for f, _ in got] == [0, 0, 1]
    assert [decode_payload(f, p, 1 << 20) for f, p in got] == payloads


def test_truncated_waits() -> None:
    full = encode_frame(b"12345678")
    for cut in range(len(full)):
        d = FrameDecoder(1024)
        assert d.feed(full[:cut]) == []
        assert d.buffered == cut


def test_oversize_checked_from_header() -> None:
    d = FrameDecoder(1024)
    with pytest.raises(FrameError, match="exceeds"):
        d.feed(b"\x00\xff\xff\xff\xff")
    with pytest.raises(FrameError):
        d.feed(b"\x00")  # stays failed
    assert FrameDecoder(1024).feed(b"\x00\x00\x00\x04\x00") == []  # exactly the maximum: waits
    with pytest.raises(FrameError):
        FrameDecoder(1024).feed(b"\x00\x00\x00\x04\x01")


@pytest.mark.parametrize("bit", range(1, 8))
def test_reserved_flag_bits(bit: int) -> None:
    with pytest.raises(FrameError, match="reserved"):
        FrameDecoder().feed(bytes([1 << bit, 0, 0, 0, 0]))


def test_garbage_never_crashes() -> None:
    rng = random.Random(7)
    for _ in range(300):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
        d = FrameDecoder(4096)
        try:
            for flags, payload in d.feed(data):
                try:
                    pb.ServerFrame.FromString(decode_payload(flags, payload, 4096))
                except Exception as e:  # only the two typed failures are allowed
                    assert type(e).__name__ in ("DecodeError", "FrameError"), e
        except FrameError:
            pass


def test_zstd_limits() -> None:
    data = bytes(100_000)
    z = zstandard.ZstdCompressor().compress(data)
    assert zstd_decompress(z, 100_000) == data
    with pytest.raises(FrameError):
        zstd_decompress(z, 99_999)
    with pytest.raises(FrameError):
        zstd_decompress(z[:-3], 100_000)
    with pytest.raises(FrameError):
        zstd_decompress(b"\x28\xb5\x2f\xfd garbage", 100_000)
    # Without a content size (streamed) the limit still holds.
    streamed = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    z2 = streamed.compress(data) + streamed.flush()
    assert zstandard.frame_content_size(z2) == -1
    assert zstd_decompress(z2, 100_000) == data
    with pytest.raises(FrameError):
        zstd_decompress(z2, 1000)
