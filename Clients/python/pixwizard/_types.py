"""Typed values of the PixWizard protocol: status codes, stages, events and replies."""

from __future__ import annotations

import enum
import io
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from .v1 import pixwizard_pb2 as pb

if TYPE_CHECKING:  # optional dependencies
    import numpy as np
    import numpy.typing as npt
    from PIL import Image


class StatusCode(enum.IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    RESOURCE_EXHAUSTED = 8
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16

    @classmethod
    def of(cls, value: int) -> StatusCode:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class Stage(enum.IntEnum):
    UNSPECIFIED = 0
    LOAD = 1
    PREPROCESS = 2
    ENCODE_TEXT = 3
    ENCODE_IMAGE = 4
    DENOISE = 5
    DECODE = 6

    @classmethod
    def of(cls, value: int) -> Stage:
        try:
            return cls(value)
        except ValueError:
            return cls.UNSPECIFIED


class Solver(enum.IntEnum):
    DEFAULT = 0
    EULER = 1
    MIDPOINT = 2


class PixWizardError(Exception):
    """A call ended with a status other than OK (from the daemon or from this client)."""

    def __init__(self, code: StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Status:
    code: StatusCode
    message: str

    @property
    def ok(self) -> bool:
        return self.code == StatusCode.OK


def _pil_from_png(png: bytes) -> Image.Image:
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    return img


@dataclass(frozen=True)
class Accepted:
    job_id: int
    seed: int
    width: int
    height: int
    steps: int


@dataclass(frozen=True)
class Queued:
    position: int  # 0: running now


@dataclass(frozen=True)
class Stages:
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class Progress:
    stage: Stage
    step: int  # 1-based
    total: int


@dataclass(frozen=True)
class Preview:
    """The predicted final image at a denoising step, decompressed: width*height*3 RGB8 bytes."""

    step: int
    total: int
    t: float
    width: int
    height: int
    pixels: bytes = field(repr=False)

    def to_numpy(self) -> npt.NDArray[np.uint8]:
        import numpy as np

        return np.frombuffer(self.pixels, dtype=np.uint8).reshape(self.height, self.width, 3)

    def to_pil(self) -> Image.Image:
        from PIL import Image

        return Image.frombytes("RGB", (self.width, self.height), self.pixels)


@dataclass(frozen=True)
class Result:
    png: bytes = field(repr=False)
    width: int
    height: int

    def to_pil(self) -> Image.Image:
        return _pil_from_png(self.png)

    def to_numpy(self) -> npt.NDArray[np.uint8]:
        import numpy as np

        return np.asarray(self.to_pil().convert("RGB"), dtype=np.uint8)

    def save(self, path: str | os.PathLike[str]) -> None:
        with open(path, "wb") as f:
            f.write(self.png)


@dataclass(frozen=True)
class Summary:
    timings: tuple[tuple[Stage, float], ...]
    total_seconds: float
    queue_seconds: float
    seed: int
    steps: int


Event = Union[Accepted, Queued, Stages, Progress, Preview, Result, Summary]


@dataclass(frozen=True)
class TaskInfo:
    name: str
    example: str


@dataclass(frozen=True)
class ModelInfo:
    name: str
    family: str
    description: str
    loaded: bool
    is_default: bool
    default_steps: int
    default_text_guidance: float
    default_image_guidance: float
    default_resolution: int
    size_multiple: int
    tasks: tuple[TaskInfo, ...]

    @classmethod
    def from_pb(cls, m: pb.ModelInfo) -> ModelInfo:
        return cls(
            name=m.name,
            family=m.family,
            description=m.description,
            loaded=m.loaded,
            is_default=m.is_default,
            default_steps=m.default_steps,
            default_text_guidance=m.default_text_guidance,
            default_image_guidance=m.default_image_guidance,
            default_resolution=m.default_resolution,
            size_multiple=m.size_multiple,
            tasks=tuple(TaskInfo(t.name, t.example) for t in m.tasks),
        )


@dataclass(frozen=True)
class Limits:
    max_frame_bytes: int
    max_pixels: int
    max_steps: int
    max_queue: int
    max_connections: int


@dataclass(frozen=True)
class ServerInfo:
    version: str
    protocol_version: int
    limits: Limits
    capabilities: tuple[str, ...]
    models: tuple[ModelInfo, ...]

    @classmethod
    def from_pb(cls, r: pb.ServerInfoReply) -> ServerInfo:
        lim = r.limits
        return cls(
            version=r.version,
            protocol_version=r.protocol_version,
            limits=Limits(lim.max_frame_bytes, lim.max_pixels, lim.max_steps, lim.max_queue, lim.max_connections),
            capabilities=tuple(r.capabilities),
            models=tuple(ModelInfo.from_pb(m) for m in r.models),
        )


# An input image: PNG bytes, a path to an image file, a PIL image, or an HxWx3 uint8 array.
ImageInput = Union[bytes, str, "os.PathLike[str]", "Image.Image", "npt.NDArray[np.uint8]"]
