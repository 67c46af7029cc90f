"""What the sync and asyncio clients share: building requests and turning frames into events."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Union, cast

from ._framing import FrameError, zstd_decompress
from ._types import (
    Accepted,
    Event,
    ImageInput,
    PixWizardError,
    Preview,
    Progress,
    Queued,
    Result,
    Solver,
    Stage,
    Stages,
    Status,
    StatusCode,
    Summary,
)
from .v1 import pixwizard_pb2 as pb

DEFAULT_SOCKET_ENV = "PIXWIZARD_SOCKET"


def default_socket_path() -> str:
    """$PIXWIZARD_SOCKET, else the daemon's default: $XDG_RUNTIME_DIR/pixwizard.sock or /tmp/pixwizard-$UID.sock."""
    env = os.environ.get(DEFAULT_SOCKET_ENV)
    if env:
        return env
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "pixwizard.sock")
    return f"/tmp/pixwizard-{os.getuid()}.sock"


@dataclass
class EditOptions:
    model: str = ""
    seed: int = 0
    steps: int = 0
    solver: Solver = Solver.DEFAULT
    text_guidance: Optional[float] = None
    image_guidance: Optional[float] = None
    resolution: int = 0
    width: int = 0
    height: int = 0
    preview_every: int = 0
    preview_max_size: int = 0
    deadline_ms: int = 0


def _set_image(req: pb.GenerateRequest, image: ImageInput) -> None:
    if isinstance(image, (bytes, bytearray, memoryview)):
        req.png = bytes(image)
        return
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as f:
            req.png = f.read()
        return
    mod = type(image).__module__
    if mod.startswith("PIL."):
        rgb = image.convert("RGB")  # type: ignore[union-attr]
        req.raw.width, req.raw.height = rgb.size
        req.raw.format = pb.PIXEL_FORMAT_RGB8
        req.raw.pixels = rgb.tobytes()
        return
    if mod.startswith("numpy"):
        import numpy as np

        arr = np.asarray(image)
        if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
            raise PixWizardError(StatusCode.INVALID_ARGUMENT, f"a numpy image must be HxWx3 uint8, not {arr.shape} {arr.dtype}")
        req.raw.height, req.raw.width = int(arr.shape[0]), int(arr.shape[1])
        req.raw.format = pb.PIXEL_FORMAT_RGB8
        req.raw.pixels = np.ascontiguousarray(arr).tobytes()
        return
    raise PixWizardError(StatusCode.INVALID_ARGUMENT, f"unsupported image type {type(image).__name__}: give PNG bytes, a path, a PIL image or an HxWx3 uint8 array")


def generate_request(image: ImageInput, instruction: str, o: EditOptions) -> pb.GenerateRequest:
    req = pb.GenerateRequest(
        instruction=instruction,
        model=o.model,
        seed=o.seed,
        steps=o.steps,
        solver=cast("pb.Solver", int(o.solver)),
        resolution=o.resolution,
        width=o.width,
        height=o.height,
        preview_every=o.preview_every,
        preview_max_size=o.preview_max_size,
        deadline_ms=o.deadline_ms,
    )
    if o.text_guidance is not None:
        req.text_guidance = o.text_guidance
    if o.image_guidance is not None:
        req.image_guidance = o.image_guidance
    _set_image(req, image)
    return req


def status_of(frame: pb.ServerFrame) -> Status:
    return Status(StatusCode.of(frame.status.code), frame.status.message)


def event_of(frame: pb.ServerFrame, max_pixels_bytes: int) -> Union[Event, None]:
    """The typed event of a Generate frame; None for kinds this client does not know.
    Raises PixWizardError(INTERNAL) for a malformed preview."""
    kind = frame.WhichOneof("body")
    if kind == "accepted":
        a = frame.accepted
        return Accepted(a.job_id, a.seed, a.width, a.height, a.steps)
    if kind == "queue_position":
        return Queued(frame.queue_position.position)
    if kind == "stages":
        return Stages(tuple(Stage.of(s) for s in frame.stages.stages))
    if kind == "progress":
        p = frame.progress
        return Progress(Stage.of(p.stage), p.step, p.total)
    if kind == "preview":
        return _preview(frame.preview, max_pixels_bytes)
    if kind == "result":
        r = frame.result
        return Result(r.png, r.width, r.height)
    if kind == "summary":
        s = frame.summary
        return Summary(tuple((Stage.of(t.stage), t.seconds) for t in s.timings), s.total_seconds, s.queue_seconds, s.seed, s.steps)
    return None


def _preview(p: pb.Preview, max_bytes: int) -> Preview:
    if p.format != pb.PIXEL_FORMAT_RGB8 or p.width == 0 or p.height == 0:
        raise PixWizardError(StatusCode.INTERNAL, "server sent a preview with an unknown pixel format or no size")
    need = p.width * p.height * 3
    if need > max_bytes:
        raise PixWizardError(StatusCode.INTERNAL, f"server sent a {p.width}x{p.height} preview, larger than the client accepts")
    if p.codec == pb.PREVIEW_CODEC_ZSTD:
        try:
            pixels = zstd_decompress(p.data, need)
        except FrameError as e:
            raise PixWizardError(StatusCode.INTERNAL, f"server sent an undecodable preview: {e}") from None
    elif p.codec == pb.PREVIEW_CODEC_UNSPECIFIED:
        pixels = p.data
    else:
        raise PixWizardError(StatusCode.INTERNAL, f"server sent a preview with unknown codec {p.codec}")
    if len(pixels) != need:
        raise PixWizardError(StatusCode.INTERNAL, f"server sent a preview of {len(pixels)} bytes where width*height*3 = {need}")
    return Preview(p.step, p.total, p.t, p.width, p.height, pixels)


UNARY_REPLY = {
    "health": "health",
    "server_info": "server_info",
    "list_models": "list_models",
    "load_model": "load_model",
    "unload_model": "unload_model",
    "cancel": "cancel",
}
