from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CANCELLED: StatusCode
DEADLINE_EXCEEDED: StatusCode
DESCRIPTOR: _descriptor.FileDescriptor
INTERNAL: StatusCode
INVALID_ARGUMENT: StatusCode
NOT_FOUND: StatusCode
OK: StatusCode
PIXEL_FORMAT_RGB8: PixelFormat
PIXEL_FORMAT_UNSPECIFIED: PixelFormat
PREVIEW_CODEC_UNSPECIFIED: PreviewCodec
PREVIEW_CODEC_ZSTD: PreviewCodec
RESOURCE_EXHAUSTED: StatusCode
SOLVER_DEFAULT: Solver
SOLVER_EULER: Solver
SOLVER_MIDPOINT: Solver
STAGE_DECODE: Stage
STAGE_DENOISE: Stage
STAGE_ENCODE_IMAGE: Stage
STAGE_ENCODE_TEXT: Stage
STAGE_LOAD: Stage
STAGE_PREPROCESS: Stage
STAGE_UNSPECIFIED: Stage
UNAUTHENTICATED: StatusCode
UNAVAILABLE: StatusCode

class Accepted(_message.Message):
    __slots__ = ["height", "job_id", "seed", "steps", "width"]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    height: int
    job_id: int
    seed: int
    steps: int
    width: int
    def __init__(self, job_id: _Optional[int] = ..., seed: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., steps: _Optional[int] = ...) -> None: ...

class CancelReply(_message.Message):
    __slots__ = ["found"]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    found: bool
    def __init__(self, found: bool = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ["target_call_id"]
    TARGET_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    target_call_id: int
    def __init__(self, target_call_id: _Optional[int] = ...) -> None: ...

class ClientFrame(_message.Message):
    __slots__ = ["call_id", "cancel", "generate", "health", "list_models", "load_model", "server_info", "token", "unload_model"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    GENERATE_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    LIST_MODELS_FIELD_NUMBER: _ClassVar[int]
    LOAD_MODEL_FIELD_NUMBER: _ClassVar[int]
    SERVER_INFO_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNLOAD_MODEL_FIELD_NUMBER: _ClassVar[int]
    call_id: int
    cancel: CancelRequest
    generate: GenerateRequest
    health: HealthRequest
    list_models: ListModelsRequest
    load_model: LoadModelRequest
    server_info: ServerInfoRequest
    token: str
    unload_model: UnloadModelRequest
    def __init__(self, call_id: _Optional[int] = ..., health: _Optional[_Union[HealthRequest, _Mapping]] = ..., server_info: _Optional[_Union[ServerInfoRequest, _Mapping]] = ..., list_models: _Optional[_Union[ListModelsRequest, _Mapping]] = ..., load_model: _Optional[_Union[LoadModelRequest, _Mapping]] = ..., unload_model: _Optional[_Union[UnloadModelRequest, _Mapping]] = ..., cancel: _Optional[_Union[CancelRequest, _Mapping]] = ..., generate: _Optional[_Union[GenerateRequest, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class GenerateRequest(_message.Message):
    __slots__ = ["deadline_ms", "height", "image_guidance", "instruction", "model", "png", "preview_every", "preview_max_size", "raw", "resolution", "seed", "solver", "steps", "text_guidance", "width"]
    DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PNG_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_EVERY_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    TEXT_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    deadline_ms: int
    height: int
    image_guidance: float
    instruction: str
    model: str
    png: bytes
    preview_every: int
    preview_max_size: int
    raw: RawImage
    resolution: int
    seed: int
    solver: Solver
    steps: int
    text_guidance: float
    width: int
    def __init__(self, png: _Optional[bytes] = ..., raw: _Optional[_Union[RawImage, _Mapping]] = ..., instruction: _Optional[str] = ..., model: _Optional[str] = ..., seed: _Optional[int] = ..., steps: _Optional[int] = ..., solver: _Optional[_Union[Solver, str]] = ..., text_guidance: _Optional[float] = ..., image_guidance: _Optional[float] = ..., resolution: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., preview_every: _Optional[int] = ..., preview_max_size: _Optional[int] = ..., deadline_ms: _Optional[int] = ...) -> None: ...

class HealthReply(_message.Message):
    __slots__ = ["serving"]
    SERVING_FIELD_NUMBER: _ClassVar[int]
    serving: bool
    def __init__(self, serving: bool = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Limits(_message.Message):
    __slots__ = ["max_connections", "max_frame_bytes", "max_pixels", "max_queue", "max_steps"]
    MAX_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_PIXELS_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUE_FIELD_NUMBER: _ClassVar[int]
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    max_connections: int
    max_frame_bytes: int
    max_pixels: int
    max_queue: int
    max_steps: int
    def __init__(self, max_frame_bytes: _Optional[int] = ..., max_pixels: _Optional[int] = ..., max_steps: _Optional[int] = ..., max_queue: _Optional[int] = ..., max_connections: _Optional[int] = ...) -> None: ...

class ListModelsReply(_message.Message):
    __slots__ = ["models"]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class LoadModelReply(_message.Message):
    __slots__ = ["model"]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ...) -> None: ...

class LoadModelRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ["default_image_guidance", "default_resolution", "default_steps", "default_text_guidance", "description", "family", "is_default", "loaded", "name", "size_multiple", "tasks"]
    DEFAULT_IMAGE_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_STEPS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TEXT_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_MULTIPLE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    default_image_guidance: float
    default_resolution: int
    default_steps: int
    default_text_guidance: float
    description: str
    family: str
    is_default: bool
    loaded: bool
    name: str
    size_multiple: int
    tasks: _containers.RepeatedCompositeFieldContainer[TaskInfo]
    def __init__(self, name: _Optional[str] = ..., family: _Optional[str] = ..., description: _Optional[str] = ..., loaded: bool = ..., is_default: bool = ..., default_steps: _Optional[int] = ..., default_text_guidance: _Optional[float] = ..., default_image_guidance: _Optional[float] = ..., default_resolution: _Optional[int] = ..., size_multiple: _Optional[int] = ..., tasks: _Optional[_Iterable[_Union[TaskInfo, _Mapping]]] = ...) -> None: ...

class Preview(_message.Message):
    __slots__ = ["codec", "data", "format", "height", "step", "t", "total", "width"]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    codec: PreviewCodec
    data: bytes
    format: PixelFormat
    height: int
    step: int
    t: float
    total: int
    width: int
    def __init__(self, step: _Optional[int] = ..., total: _Optional[int] = ..., t: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., format: _Optional[_Union[PixelFormat, str]] = ..., codec: _Optional[_Union[PreviewCodec, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ["stage", "step", "total"]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    step: int
    total: int
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., step: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class QueuePosition(_message.Message):
    __slots__ = ["position"]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class RawImage(_message.Message):
    __slots__ = ["format", "height", "pixels", "width"]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PIXELS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    format: PixelFormat
    height: int
    pixels: bytes
    width: int
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., format: _Optional[_Union[PixelFormat, str]] = ..., pixels: _Optional[bytes] = ...) -> None: ...

class Result(_message.Message):
    __slots__ = ["height", "png", "width"]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PNG_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    height: int
    png: bytes
    width: int
    def __init__(self, png: _Optional[bytes] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class ServerFrame(_message.Message):
    __slots__ = ["accepted", "call_id", "cancel", "health", "list_models", "load_model", "preview", "progress", "queue_position", "result", "server_info", "stages", "status", "summary", "unload_model"]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    LIST_MODELS_FIELD_NUMBER: _ClassVar[int]
    LOAD_MODEL_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SERVER_INFO_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    UNLOAD_MODEL_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    call_id: int
    cancel: CancelReply
    health: HealthReply
    list_models: ListModelsReply
    load_model: LoadModelReply
    preview: Preview
    progress: Progress
    queue_position: QueuePosition
    result: Result
    server_info: ServerInfoReply
    stages: StageList
    status: Status
    summary: Summary
    unload_model: UnloadModelReply
    def __init__(self, call_id: _Optional[int] = ..., health: _Optional[_Union[HealthReply, _Mapping]] = ..., server_info: _Optional[_Union[ServerInfoReply, _Mapping]] = ..., list_models: _Optional[_Union[ListModelsReply, _Mapping]] = ..., load_model: _Optional[_Union[LoadModelReply, _Mapping]] = ..., unload_model: _Optional[_Union[UnloadModelReply, _Mapping]] = ..., cancel: _Optional[_Union[CancelReply, _Mapping]] = ..., accepted: _Optional[_Union[Accepted, _Mapping]] = ..., queue_position: _Optional[_Union[QueuePosition, _Mapping]] = ..., stages: _Optional[_Union[StageList, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., preview: _Optional[_Union[Preview, _Mapping]] = ..., result: _Optional[_Union[Result, _Mapping]] = ..., summary: _Optional[_Union[Summary, _Mapping]] = ..., status: _Optional[_Union[Status, _Mapping]] = ...) -> None: ...

class ServerInfoReply(_message.Message):
    __slots__ = ["capabilities", "limits", "models", "protocol_version", "version"]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    limits: Limits
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    protocol_version: int
    version: str
    def __init__(self, version: _Optional[str] = ..., protocol_version: _Optional[int] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., capabilities: _Optional[_Iterable[str]] = ..., models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ...) -> None: ...

class ServerInfoRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StageList(_message.Message):
    __slots__ = ["stages"]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    stages: _containers.RepeatedScalarFieldContainer[Stage]
    def __init__(self, stages: _Optional[_Iterable[_Union[Stage, str]]] = ...) -> None: ...

class StageTiming(_message.Message):
    __slots__ = ["seconds", "stage"]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    seconds: float
    stage: Stage
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., seconds: _Optional[float] = ...) -> None: ...

class Status(_message.Message):
    __slots__ = ["code", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: StatusCode
    message: str
    def __init__(self, code: _Optional[_Union[StatusCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class Summary(_message.Message):
    __slots__ = ["queue_seconds", "seed", "steps", "timings", "total_seconds"]
    QUEUE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    queue_seconds: float
    seed: int
    steps: int
    timings: _containers.RepeatedCompositeFieldContainer[StageTiming]
    total_seconds: float
    def __init__(self, timings: _Optional[_Iterable[_Union[StageTiming, _Mapping]]] = ..., total_seconds: _Optional[float] = ..., queue_seconds: _Optional[float] = ..., seed: _Optional[int] = ..., steps: _Optional[int] = ...) -> None: ...

class TaskInfo(_message.Message):
    __slots__ = ["example", "name"]
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    example: str
    name: str
    def __init__(self, name: _Optional[str] = ..., example: _Optional[str] = ...) -> None: ...

class UnloadModelReply(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UnloadModelRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class Solver(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PixelFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StatusCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PreviewCodec(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
