"""Python client for the PixWizard daemon (protocol v1).

    from pixwizard import Client
    with Client(unix_path="/tmp/pixwizard.sock") as c:
        for ev in c.edit("in.png", "remove the noise", preview_every=1):
            print(ev)

`pixwizard.aio` has the same API for asyncio.
"""

from ._framing import FrameDecoder, FrameError, encode_frame
from ._protocol import default_socket_path
from ._types import (
    Accepted,
    Event,
    Limits,
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
    TaskInfo,
)
from .client import Client, EditStream

__version__ = "1.0.0"
PROTOCOL_VERSION = 1

__all__ = [
    "Client", "EditStream", "PixWizardError", "StatusCode", "Status", "Stage", "Solver", "Event",
    "Accepted", "Queued", "Stages", "Progress", "Preview", "Result", "Summary",
    "ModelInfo", "TaskInfo", "ServerInfo", "Limits", "FrameDecoder", "FrameError", "encode_frame",
    "default_socket_path", "PROTOCOL_VERSION", "__version__",
]
