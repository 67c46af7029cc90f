"""Frame codec of protocol v1: 1 flag byte (bit 0: zstd), 4-byte big-endian length, payload.

The decoder is an explicit state machine (HEADER -> PAYLOAD -> HEADER); the declared length is
checked against the maximum before any payload is buffered.
"""

from __future__ import annotations

import enum
import io
import struct

import zstandard

FLAG_ZSTD = 0x01
HEADER_BYTES = 5
DEFAULT_MAX_FRAME_BYTES = 256 * 1024 * 1024


class FrameError(Exception):
    """The byte stream breaks the framing rules (bad flags, oversize, undecodable zstd)."""


def encode_frame(payload: bytes, compress: bool = False) -> bytes:
    """Frames one payload; with compress, a zstd frame (level 3) with bit 0 set."""
    body = zstandard.ZstdCompressor(level=3).compress(payload) if compress else payload
    if len(body) > 0xFFFFFFFF:
        raise FrameError(f"payload of {len(body)} bytes does not fit a frame")
    return struct.pack(">BI", FLAG_ZSTD if compress else 0, len(body)) + body


def zstd_decompress(data: bytes, max_output: int) -> bytes:
    """Decompresses one zstd frame whose content must not exceed max_output bytes."""
    try:
        declared = zstandard.frame_content_size(data)
    except zstandard.ZstdError as e:
        raise FrameError(f"not a zstd frame: {e}") from None
    if declared > max_output:
        raise FrameError(f"zstd frame declares {declared} bytes, more than the {max_output} allowed")
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=False)
        out = reader.read(max_output + 1)
    except zstandard.ZstdError as e:
        raise FrameError(f"undecodable zstd data: {e}") from None
    if len(out) > max_output:
        raise FrameError(f"zstd frame decompresses to more than {max_output} bytes")
    if declared >= 0 and len(out) != declared:
        raise FrameError("zstd frame is truncated")
    return out


class _State(enum.Enum):
    HEADER = 0
    PAYLOAD = 1
    FAILED = 2


class FrameDecoder:
    """Turns a byte stream into (flags, payload) frames; raises FrameError and stays failed."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._state = _State.HEADER
        self._buf = bytearray()
        self._flags = 0
        self._length = 0

    @property
    def buffered(self) -> int:
        """Bytes received of the incomplete frame (its header included)."""
        return len(self._buf) + (HEADER_BYTES if self._state is _State.PAYLOAD else 0)

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        if self._state is _State.FAILED:
            raise FrameError("the frame decoder failed earlier")
        self._buf += data
        frames: list[tuple[int, bytes]] = []
        while True:
            if self._state is _State.HEADER:
                if len(self._buf) < HEADER_BYTES:
                    return frames
                flags, length = struct.unpack_from(">BI", self._buf)
                if flags & ~FLAG_ZSTD:
                    self._fail()
                    raise FrameError(f"frame flags 0x{flags:02x} set reserved bits")
                if length > self.max_frame_bytes:
                    self._fail()
                    raise FrameError(f"frame of {length} bytes exceeds the maximum of {self.max_frame_bytes}")
                del self._buf[:HEADER_BYTES]
                self._flags, self._length = flags, length
                self._state = _State.PAYLOAD
            if len(self._buf) < self._length:
                return frames
            payload = bytes(self._buf[: self._length])
            del self._buf[: self._length]
            frames.append((self._flags, payload))
            self._state = _State.HEADER

    def _fail(self) -> None:
        self._state = _State.FAILED
        self._buf.clear()


def decode_payload(flags: int, payload: bytes, max_frame_bytes: int) -> bytes:
    """The protobuf bytes of a frame (decompressed when bit 0 is set)."""
    if flags & FLAG_ZSTD:
        return zstd_decompress(payload, max_frame_bytes)
    return payload
