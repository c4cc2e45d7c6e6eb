"""Grad mode: whether ops record a graph. Thread-local; every new thread starts enabled."""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable


class _GradMode(threading.local):
    enabled = True      # class attributes are the defaults every new thread sees
    anomaly = False


grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    return grad_mode.enabled


class _SetMode:
    """Context manager and decorator that sets a grad-mode flag and restores it on exit."""

    __slots__ = ("_attr", "_value", "_saved")

    def __init__(self, attr: str, value: bool) -> None:
        self._attr, self._value, self._saved = attr, value, []

    def __enter__(self) -> "_SetMode":
        self._saved.append(getattr(grad_mode, self._attr))
        setattr(grad_mode, self._attr, self._value)
        return self

    def __exit__(self, *exc: Any) -> None:
        setattr(grad_mode, self._attr, self._saved.pop())

    def __call__(self, fn: Callable) -> Callable:
        attr, value = self._attr, self._value
        if inspect.isgeneratorfunction(fn):
            return generator_in_context(fn, lambda: _SetMode(attr, value))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _SetMode(attr, value):
                return fn(*args, **kwargs)
        return wrapper


def generator_in_context(fn: Callable, make_context: Callable[[], Any]) -> Callable:
    """The generator function ``fn`` decorated so that each of its steps runs inside a fresh
    ``make_context()`` (as torch's grad-mode decorators), the caller's mode back in place
    between steps."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        sent: Any = None
        error: BaseException | None = None
        while True:
            try:
                with make_context():
                    item = gen.send(sent) if error is None else gen.throw(error)
            except StopIteration as stop:
                return stop.value
            sent, error = None, None
            try:
                sent = yield item
            except GeneratorExit:
                with make_context():
                    gen.close()
                raise
            except BaseException as exc:   # thrown into the wrapper: pass it on to fn
                error = exc
    return wrapper


def _mode_or_decorated(attr: str, value: bool, fn: Any) -> Any:
    """A context manager, or ``fn`` wrapped when used as a bare decorator (``@xg.no_grad``
    as well as ``@xg.no_grad()``, as PyTorch allows)."""
    mode = _SetMode(attr, value)
    if fn is None:
        return mode
    if not callable(fn):
        raise TypeError(f"expected a function to decorate, got {type(fn).__name__}")
    return mode(fn)


def no_grad(fn: Any = None) -> Any:
    """Ops inside record no graph (cheaper; for evaluation and parameter updates).

    >>> with no_grad(): y = x * 2      # y.requires_grad is False
    """
    return _mode_or_decorated("enabled", False, fn)


def enable_grad(fn: Any = None) -> Any:
    """Record the graph again inside a ``no_grad`` block (or decorate a function)."""
    return _mode_or_decorated("enabled", True, fn)


class _Inference(threading.local):
    enabled = False


_inference = _Inference()


class _InferenceMode(_SetMode):
    """no_grad that also records, per thread, that inference mode is on."""

    __slots__ = ("_mode", "_was")

    def __init__(self, mode: bool) -> None:
        super().__init__("enabled", not mode)
        self._mode, self._was = mode, []

    def __enter__(self) -> "_InferenceMode":
        self._was.append(_inference.enabled)
        _inference.enabled = self._mode
        return super().__enter__()

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        _inference.enabled = self._was.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = self._mode
        if inspect.isgeneratorfunction(fn):
            return generator_in_context(fn, lambda: _InferenceMode(mode))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _InferenceMode(mode):
                return fn(*args, **kwargs)
        return wrapper


def inference_mode(mode: Any = True) -> Any:
    """PyTorch's inference_mode: no_grad (``mode=False`` records) that
    ``is_inference_mode_enabled`` sees; also a bare decorator.
    >>> with xg.inference_mode(): y = model(x)"""
    if callable(mode):
        return _InferenceMode(True)(mode)
    return _InferenceMode(bool(mode))


def is_inference_mode_enabled() -> bool:
    """Whether the calling thread is inside ``inference_mode()``.
    >>> xg.is_inference_mode_enabled()"""
    return bool(_inference.enabled)


class _SetNow(_SetMode):
    """A flag set at once (PyTorch's ``set_grad_enabled(False)`` as a plain call), and restored
    when used as a context manager."""

    __slots__ = ()

    def __init__(self, attr: str, value: bool) -> None:
        super().__init__(attr, value)
        self._saved.append(getattr(grad_mode, attr))
        setattr(grad_mode, attr, value)

    def __enter__(self) -> "_SetMode":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._saved:
            setattr(grad_mode, self._attr, self._saved.pop())

    def __call__(self, fn: Callable) -> Callable:
        self.__exit__()               # as a decorator, it changes nothing until fn runs
        return super().__call__(fn)


def set_grad_enabled(mode: bool) -> _SetMode:
    """Turn graph recording on or off: at once as a call, for a block as a context manager.

    >>> with xg.set_grad_enabled(False): y = x * 2
    """
    return _SetNow("enabled", bool(mode))


def detect_anomaly() -> _SetMode:
    """Raise at the first op whose forward or backward produces NaN or inf, naming the op.

    Checking reads every result on the host, so use it for debugging only.

    >>> with xg.autograd.detect_anomaly(): loss.backward()
    """
    return _SetMode("anomaly", True)


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> _SetMode:
    """Turn anomaly detection on or off (as a call, or as a context manager), as PyTorch's.

    >>> xg.autograd.set_detect_anomaly(True)
    """
    return _SetNow("anomaly", bool(mode))
