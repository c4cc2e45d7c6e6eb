"""torch's global settings and small utilities at the top level: print options, thread
counts, deterministic-algorithm flags, the default device, anomaly and inference-mode
queries, float32 matmul precision, typename, vmap, the eager control-flow operators
``cond`` and ``while_loop``, DLPack exchange, frombuffer and get_device.

Star-imported by ``xpgrad/__init__.py``."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from . import backends as _backends
from .autograd import Tensor
from .autograd.grad_mode import (grad_mode, inference_mode,  # noqa: F401
                                  is_inference_mode_enabled)
from .autograd.tensor import make_tensor
from .backends import canonical_device, get_backend
from .backends.base import Device
from .backends.host_settings import (get_num_threads, get_print_options, host_frombuffer,
                                     set_num_threads, set_print_options)
from .dtypes import as_dtype
from .func import vmap

# xg.linalg.LinAlgError, as torch.linalg.LinAlgError: a RuntimeError that is also NumPy's
# LinAlgError (what every backend raises when a factorization fails; the ops convert it)
from .backends.errors import LinAlgError as _LinAlgError  # noqa: E402
from .autograd.ops.linalg_namespace import linalg as _linalg  # noqa: E402
_linalg.LinAlgError = _LinAlgError

__all__ = [
    "set_printoptions", "get_printoptions", "get_num_threads", "set_num_threads",
    "get_num_interop_threads", "set_num_interop_threads", "init_num_threads",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "get_deterministic_debug_mode",
    "set_deterministic_debug_mode", "get_default_device", "set_default_device",
    "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
    "inference_mode", "is_inference_mode_enabled", "get_float32_matmul_precision",
    "set_float32_matmul_precision", "is_warn_always_enabled", "set_warn_always",
    "set_flush_denormal", "typename", "vmap", "cond", "while_loop", "from_dlpack",
    "to_dlpack", "frombuffer", "get_device",
]


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How tensors print, as torch.set_printoptions ('default', 'short', 'full' profiles;
    ``sci_mode``). Values are formatted by NumPy on the host, so this sets NumPy's print
    options too. >>> xg.set_printoptions(precision=2)"""
    set_print_options(precision, threshold, edgeitems, linewidth, profile, sci_mode)


def get_printoptions() -> dict:
    """The current print options (NumPy's). >>> xg.get_printoptions()["precision"]"""
    return get_print_options()


_settings = {"interop_threads": 1, "deterministic": False, "warn_only": False,
             "matmul_precision": "highest", "warn_always": False, "check_nan": True}


def get_num_interop_threads() -> int:
    """The inter-op thread count (recorded; ops run on the calling thread).
    >>> xg.get_num_interop_threads()"""
    return _settings["interop_threads"]


def set_num_interop_threads(n: int) -> None:
    """Record the inter-op thread count (ops run on the calling thread).
    >>> xg.set_num_interop_threads(1)"""
    if int(n) < 1:
        raise ValueError(f"set_num_interop_threads: expected a positive count, got {n}")
    _settings["interop_threads"] = int(n)


def init_num_threads() -> None:
    """Nothing to initialise: the BLAS pools start themselves. >>> xg.init_num_threads()"""


# ---- determinism ------------------------------------------------------------------------------
def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag. Every xpgrad op already gives the same result for the same inputs on
    a device (scatter-adds on a GPU may differ in the last bits).
    >>> xg.use_deterministic_algorithms(True)"""
    _settings["deterministic"], _settings["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """>>> xg.are_deterministic_algorithms_enabled()      # False unless set"""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """>>> xg.is_deterministic_algorithms_warn_only_enabled()"""
    return _settings["warn_only"]


def set_deterministic_debug_mode(debug_mode: Any) -> None:
    """0/'default', 1/'warn', 2/'error', as torch's (it sets the two flags above).
    >>> xg.set_deterministic_debug_mode("warn")"""
    modes = {"default": 0, "warn": 1, "error": 2, 0: 0, 1: 1, 2: 2}
    if debug_mode not in modes:
        raise ValueError(f"set_deterministic_debug_mode: expected 0, 1, 2, 'default', 'warn' "
                         f"or 'error', got {debug_mode!r}")
    level = modes[debug_mode]
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    """>>> xg.get_deterministic_debug_mode()            # 0, 1 or 2"""
    if not _settings["deterministic"]:
        return 0
    return 1 if _settings["warn_only"] else 2


# ---- default device ---------------------------------------------------------------------------
def set_default_device(device: Any) -> None:
    """The device factories and ``xg.tensor`` use when none is given (None: 'cpu').
    >>> xg.set_default_device("strict:device1")"""
    name = canonical_device("cpu" if device is None else device)
    get_backend(name)                        # fail now (e.g. no GPU), not at the next factory
    _backends.DEFAULT_DEVICE = name


def get_default_device() -> Device:
    """>>> xg.get_default_device()                     # 'cpu' unless set"""
    return Device(canonical_device(None))


# ---- anomaly and inference mode ---------------------------------------------------------------
def is_anomaly_enabled() -> bool:
    """Whether detect_anomaly is on. >>> xg.is_anomaly_enabled()"""
    return bool(grad_mode.anomaly)


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks for NaN (it always does here, when on).
    >>> xg.is_anomaly_check_nan_enabled()"""
    return _settings["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for this thread. >>> xg.set_anomaly_enabled(True)"""
    grad_mode.anomaly = bool(enabled)
    _settings["check_nan"] = bool(check_nan)


# ---- other flags ------------------------------------------------------------------------------
def set_float32_matmul_precision(precision: str) -> None:
    """Record 'highest', 'high' or 'medium'; float32 matmuls always run in full float32 here.
    >>> xg.set_float32_matmul_precision("high")"""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                         f"'medium', got {precision!r}")
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """>>> xg.get_float32_matmul_precision()            # 'highest' unless set"""
    return _settings["matmul_precision"]


def set_warn_always(b: bool) -> None:
    """Record torch's warn-always flag. >>> xg.set_warn_always(False)"""
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """>>> xg.is_warn_always_enabled()"""
    return _settings["warn_always"]


def set_flush_denormal(mode: bool) -> bool:
    """False: flushing denormals is not supported here (as torch on CPUs without SSE3).
    >>> xg.set_flush_denormal(True)                   # False"""
    return False


# ---- utilities --------------------------------------------------------------------------------
def typename(obj: Any) -> str:
    """The type name torch prints: 'xpgrad.FloatTensor' for a tensor, else module.qualname.
    >>> xg.typename(xg.zeros(1))                       # 'xpgrad.FloatTensor'"""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _truth(op: str, value: Any) -> bool:
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{op}: the predicate must be a bool or a one-element tensor, got "
                             f"shape {value.shape}")
        return bool(value.item())
    return bool(value)


def cond(pred: Any, true_fn: Callable, false_fn: Callable, operands: Sequence = ()) -> Any:
    """torch.cond, run eagerly: ``true_fn(*operands)`` if ``pred`` else
    ``false_fn(*operands)`` (reads a tensor predicate on the host).
    >>> xg.cond(x.sum() > 0, lambda t: t.cos(), lambda t: t.sin(), (x,))"""
    operands = tuple(operands) if isinstance(operands, (tuple, list)) else (operands,)
    return (true_fn if _truth("cond", pred) else false_fn)(*operands)


def while_loop(cond_fn: Callable, body_fn: Callable, carried_inputs: Sequence) -> tuple:
    """torch.while_loop, run eagerly: apply ``body_fn`` to the carried values while
    ``cond_fn`` of them holds; returns the final values (a tuple).
    >>> xg.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (xg.tensor(0), x))"""
    carried = tuple(carried_inputs)
    while _truth("while_loop", cond_fn(*carried)):
        out = body_fn(*carried)
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(carried):
            raise ValueError(f"while_loop: body_fn returned {len(out)} values for "
                             f"{len(carried)} carried inputs")
        carried = out
    return carried


_DLPACK_DEVICES = {1: "cpu", 2: "cuda", 3: "cpu"}          # kDLCPU, kDLCUDA, kDLCUDAHost


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with another library's DLPack-capable array (a NumPy or CuPy
    array, a torch tensor) on its device. >>> xg.from_dlpack(np.arange(3.0))"""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    kind, index = ext_tensor.__dlpack_device__()
    base = _DLPACK_DEVICES.get(int(kind))
    if base is None:
        raise ValueError(f"from_dlpack: unsupported DLPack device type {kind}")
    backend = get_backend(base if base == "cpu" else f"cuda:{int(index)}")
    array = backend.xp.from_dlpack(ext_tensor)
    backend.dtype_of(array)                                   # refuses unsupported dtypes
    return make_tensor(array, backend, False, None)


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of the tensor's array (shares memory). >>> cap = xg.to_dlpack(x)"""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a Tensor, got {type(tensor).__name__}")
    return tensor.data.__dlpack__()


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D CPU tensor viewing a Python buffer (bytes, bytearray, memoryview) as ``dtype``.
    >>> xg.frombuffer(bytearray(8), dtype=xg.float32)      # 2 zeros"""
    backend = get_backend("cpu")
    array = host_frombuffer(buffer, backend.native_dtype(as_dtype(dtype)), count, offset)
    out = make_tensor(backend.from_host(array), backend, False, None)
    return out.requires_grad_(True) if requires_grad else out


def get_device(input: Tensor) -> int:
    """The CUDA device index of a tensor, -1 for the CPU (and the strict test backend).
    >>> xg.get_device(xg.zeros(1))                     # -1"""
    if not isinstance(input, Tensor):
        raise TypeError(f"get_device: expected a Tensor, got {type(input).__name__}")
    device = Device(input.device)
    return device.index if device.type == "cuda" and device.index is not None else -1
