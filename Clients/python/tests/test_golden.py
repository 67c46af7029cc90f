"""The golden frames of docs/PROTOCOL.md: decoded and re-encoded byte for byte, their fields as
described, and the client's own request builder producing the same bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pixwizard import FrameDecoder, Preview, Stage, encode_frame
from pixwizard._framing import zstd_decompress
from pixwizard._protocol import EditOptions, event_of, generate_request
from pixwizard.v1 import pixwizard_pb2 as pb

PROTOCOL_MD = Path(os.environ.get("PIXWIZARD_PROTOCOL_MD", Path(__file__).resolve().parents[3] / "docs" / "PROTOCOL.md"))


def golden() -> dict[str, bytes]:
    text = PROTOCOL_MD.read_text()
    blocks = re.findall(r"^```golden (\S+)\n(.*?)^```", text, re.S | re.M)
    return {name: bytes.fromhex(body) for name, body in blocks}


GOLDEN = golden() if PROTOCOL_MD.exists() else {}


def test_protocol_md_has_the_golden_frames() -> None:
    assert PROTOCOL_MD.exists(), PROTOCOL_MD
    assert len(GOLDEN) >= 11 and {"client-generate", "server-preview"} <= set(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_decode_reencode(name: str) -> None:
    raw = GOLDEN[name]
    frames = FrameDecoder().feed(raw)
    assert len(frames) == 1
    flags, payload = frames[0]
    cls = pb.ClientFrame if name.startswith("client-") else pb.ServerFrame
    msg = cls.FromString(payload)
    assert encode_frame(msg.SerializeToString(), bool(flags & 1)) == raw


def test_fields() -> None:
    g = pb.ClientFrame.FromString(GOLDEN["client-generate"][5:])
    assert g.call_id == 7 and g.generate.png == b"\x89PNG" and g.generate.instruction == "remove the noise"
    assert g.generate.HasField("text_guidance") and g.generate.text_guidance == 4.5
    assert not g.generate.HasField("image_guidance")
    c = pb.ClientFrame.FromString(GOLDEN["client-cancel"][5:])
    assert (c.call_id, c.token, c.cancel.target_call_id) == (8, "s3cret", 7)
    s = pb.ServerFrame.FromString(GOLDEN["server-status-cancelled"][5:])
    assert s.status.code == pb.CANCELLED and s.status.message == "cancelled by the client"
    st = event_of(pb.ServerFrame.FromString(GOLDEN["server-stages"][5:]), 1 << 20)
    assert st is not None and getattr(st, "stages") == (Stage.PREPROCESS, Stage.DENOISE, Stage.DECODE)
    pv = event_of(pb.ServerFrame.FromString(GOLDEN["server-preview"][5:]), 1 << 20)
    assert isinstance(pv, Preview) and (pv.width, pv.height, pv.t) == (2, 1, 0.25)
    assert pv.pixels == bytes.fromhex("ff0000 0000ff") and pv.to_numpy()[0, 1].tolist() == [0, 0, 255]
    assert zstd_decompress(pb.ServerFrame.FromString(GOLDEN["server-preview"][5:]).preview.data, 6) == pv.pixels


def test_client_builds_the_golden_generate() -> None:
    req = generate_request(b"\x89PNG", "remove the noise",
                           EditOptions(seed=42, steps=4, text_guidance=4.5, preview_every=1, preview_max_size=64))
    frame = pb.ClientFrame(call_id=7)
    frame.generate.CopyFrom(req)
    assert encode_frame(frame.SerializeToString()) == GOLDEN["client-generate"]
    cancel = pb.ClientFrame(call_id=8, token="s3cret", cancel=pb.CancelRequest(target_call_id=7))
    assert encode_frame(cancel.SerializeToString()) == GOLDEN["client-cancel"]
