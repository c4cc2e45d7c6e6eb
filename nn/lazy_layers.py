"""Lazy modules, as torch.nn: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d,
LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d infer their input feature size at the
first forward, create their parameters then, and become the ordinary class (``__class__``
changes to ``cls_to_become``: a LazyLinear becomes a Linear), as PyTorch's do.

Before that, parameters and shaped buffers are ``UninitializedParameter`` /
``UninitializedBuffer`` placeholders (empty tensors that still follow ``module.to(...)``,
whose device and dtype the real ones take). ``state_dict()`` refuses an uninitialised
module; ``load_state_dict`` on one infers the sizes from the checkpoint. Create optimizers
after the first forward (or load), as in PyTorch in practice.

>>> net = nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(1))
>>> net(xg.randn(8, 29)); net[0]                    # Linear(in_features=29, out_features=16)
"""
from __future__ import annotations

from typing import Any

from ..autograd.factories import zeros
from ..autograd.tensor import Tensor
from .conv_layers import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d,
                          ConvTranspose3d)
from .layer_batchnorm import (BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                              InstanceNorm3d)
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d
from .parameter import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d",
           "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


def _empty(device: Any, dtype: Any) -> Tensor:
    return zeros(0, dtype=dtype, device=device)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (a lazy module's, before its first forward);
    ``materialize`` turns it, in place, into an ordinary Parameter.

    >>> p = nn.UninitializedParameter(); p.materialize((3, 4)); type(p)     # Parameter
    """
    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(_empty(device, dtype), requires_grad)

    def materialize(self, shape: tuple, device: Any = None, dtype: Any = None) -> None:
        """Become a zero-filled tensor of ``shape`` (on this placeholder's device and dtype
        unless given): the same object, so references to it stay valid."""
        _become(self, zeros(*tuple(shape), dtype=dtype or self.dtype,
                            device=device or self._backend))

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (a lazy BatchNorm's running statistics)."""
    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        src = _empty(device, dtype)
        self.data, self._backend, self._rg = src.data, src._backend, False
        self.grad = self.grad_fn = self._hooks = None
        self._used = 0

    def materialize(self, shape: tuple, device: Any = None, dtype: Any = None) -> None:
        _become(self, zeros(*tuple(shape), dtype=dtype or self.dtype,
                            device=device or self._backend))

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


def _become(placeholder: Any, value: Tensor) -> None:
    placeholder.data, placeholder._backend = value.data, value._backend
    placeholder.__class__ = placeholder.cls_to_become


def _uninitialized(t: Any) -> bool:
    return isinstance(t, (UninitializedParameter, UninitializedBuffer))


def _refuse_state_dict(module: Module, prefix: str, keep_vars: bool) -> None:
    if any(_uninitialized(t) for t in list(module._parameters.values())
           + list(module._buffers.values())):
        raise RuntimeError(f"{type(module).__name__} at {prefix.rstrip('.') or 'the top'} has "
                           "uninitialized parameters: run a forward pass (or load_state_dict "
                           "into the lazy module itself) before state_dict()")


class LazyModuleMixin:
    """What every lazy module shares: placeholders, the first-forward initialisation and the
    change of class. Subclasses set ``cls_to_become``, ``_lazy_names`` (the registered
    tensors to replace by placeholders), ``_in_name`` (the inferred constructor argument)
    and implement ``_in_size(input)`` and ``_in_from_state(shapes)``."""

    cls_to_become: type = Module
    _lazy_names: tuple = ("weight", "bias")
    _in_name = "in_features"

    def _lazy_setup(self, eager_args: tuple, eager_kwargs: dict, device: Any,
                    dtype: Any) -> None:
        """Run the eager class's __init__ on a stand-in feature size without drawing any
        random numbers (reset_parameters masked), then swap in the placeholders."""
        d = self.__dict__
        d["_lazy_ctor"] = (eager_args, dict(eager_kwargs, device=device, dtype=dtype))
        object.__setattr__(self, "reset_parameters", lambda: None)
        try:
            self.cls_to_become.__init__(self, *self._stand_in_args(eager_args),
                                        **eager_kwargs, device=device, dtype=dtype)
        finally:
            d.pop("reset_parameters", None)
        for name in self._lazy_names:
            if self._parameters.get(name) is not None:
                p = self._parameters[name]
                self.register_parameter(name, UninitializedParameter(p.requires_grad, p.device,
                                                                     p.dtype))
            elif self._buffers.get(name) is not None:
                b = self._buffers[name]
                self._buffers[name] = self.__dict__[name] = UninitializedBuffer(
                    False, b.device, b.dtype)
        setattr(self, self._in_name, 0)
        d["_lazy_hook"] = self.register_state_dict_pre_hook(_refuse_state_dict)

    def _stand_in_args(self, eager_args: tuple) -> tuple:
        return (1,) + tuple(eager_args)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still a placeholder."""
        return any(_uninitialized(t) for t in list(self._parameters.values())
                   + list(self._buffers.values()))

    def reset_parameters(self) -> None:
        """Nothing to reset before the parameters exist (they are initialised when made)."""

    def initialize_parameters(self, input: Tensor) -> None:
        """Make the parameters for this input's feature size and become ``cls_to_become``."""
        self._materialize(self._in_size(input))

    def _materialize(self, size: int) -> None:
        args, kwargs = self.__dict__["_lazy_ctor"]
        for t in list(self._parameters.values()) + list(self._buffers.values()):
            if _uninitialized(t):                      # follow any .to() since construction
                kwargs = dict(kwargs, device=t.device, dtype=t.dtype)
                break
        eager = self.cls_to_become(size, *args, **kwargs)    # draws exactly as the eager init
        for registry in ("_parameters", "_buffers"):
            mine, theirs = getattr(self, registry), getattr(eager, registry)
            for name, value in theirs.items():
                if _uninitialized(mine.get(name)):
                    _become(mine[name], value)
        skip = set(Module().__dict__) | set(eager._parameters) | set(eager._buffers)
        skip |= set(eager._modules)
        for key, value in eager.__dict__.items():
            if key not in skip:
                object.__setattr__(self, key, value)
        self.__dict__.pop("_lazy_hook").remove()
        del self.__dict__["_lazy_ctor"]
        self.__class__ = self.cls_to_become

    def forward(self, input: Tensor, *args: Any, **kwargs: Any) -> Any:
        self.initialize_parameters(input)
        return self.forward(input, *args, **kwargs)       # now the eager class's forward

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> Any:
        """Infer the sizes from the checkpoint (when still uninitialised), then load."""
        if self.has_uninitialized_params():
            shapes = {k: tuple(v.shape) for k, v in dict(state_dict).items()
                      if hasattr(v, "shape")}
            size = self._in_from_state(shapes)
            if size is None:
                raise RuntimeError(f"{type(self).__name__}: cannot infer {self._in_name} from a "
                                   f"state_dict with keys {sorted(shapes)}")
            self._materialize(size)
        return self.load_state_dict(state_dict, strict)

    def extra_repr(self) -> str:
        return self.cls_to_become.extra_repr(self)


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose ``in_features`` is the last size of its first input.
    >>> nn.LazyLinear(10)(xg.randn(4, 7)).shape                               # (4, 10)"""
    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        self._lazy_setup((out_features,), {"bias": bias}, device, dtype)

    def _in_size(self, input: Tensor) -> int:
        return input.shape[-1]

    def _in_from_state(self, shapes: dict) -> int | None:
        return shapes["weight"][1] if len(shapes.get("weight", ())) == 2 else None


class _LazyConvMixin(LazyModuleMixin):
    _in_name = "in_channels"

    def _stand_in_args(self, eager_args: tuple) -> tuple:
        return (self.__dict__["_lazy_ctor"][1].get("groups", 1),) + tuple(eager_args)

    def _in_size(self, input: Tensor) -> int:
        nd = self.cls_to_become._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: "
                               f"{tuple(input.shape)}")
        return input.shape[1] if input.ndim == nd + 2 else input.shape[0]

    def _in_from_state(self, shapes: dict) -> int | None:
        w = shapes.get("weight")
        if w is None:
            return None
        groups = self.__dict__["_lazy_ctor"][1].get("groups", 1)
        return w[0] if self.cls_to_become._transposed else w[1] * groups


def _conv_kwargs(stride: Any, padding: Any, dilation: Any, groups: int, bias: bool,
                 padding_mode: str) -> dict:
    return {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
            "bias": bias, "padding_mode": padding_mode}


def _lazy_conv(eager: type, doc: str) -> type:
    class LazyConv(_LazyConvMixin, eager):
        cls_to_become = eager

        def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1,
                     padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                     padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
            self._lazy_setup((out_channels, kernel_size),
                             _conv_kwargs(stride, padding, dilation, groups, bias, padding_mode),
                             device, dtype)
    LazyConv.__name__ = LazyConv.__qualname__ = "Lazy" + eager.__name__
    LazyConv.__doc__ = doc
    return LazyConv


def _lazy_conv_transpose(eager: type, doc: str) -> type:
    class LazyConvTranspose(_LazyConvMixin, eager):
        cls_to_become = eager

        def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                     device: Any = None, dtype: Any = None) -> None:
            kwargs = _conv_kwargs(stride, padding, dilation, groups, bias, padding_mode)
            kwargs["output_padding"] = output_padding
            self._lazy_setup((out_channels, kernel_size), kwargs, device, dtype)
    LazyConvTranspose.__name__ = LazyConvTranspose.__qualname__ = "Lazy" + eager.__name__
    LazyConvTranspose.__doc__ = doc
    return LazyConvTranspose


_CONV_DOC = ("A {0} whose ``in_channels`` is the channel size of its first input (dim 1, or "
             "0 unbatched). >>> nn.Lazy{0}(8, 3)")
LazyConv1d = _lazy_conv(Conv1d, _CONV_DOC.format("Conv1d"))
LazyConv2d = _lazy_conv(Conv2d, _CONV_DOC.format("Conv2d"))
LazyConv3d = _lazy_conv(Conv3d, _CONV_DOC.format("Conv3d"))
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, _CONV_DOC.format("ConvTranspose1d"))
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, _CONV_DOC.format("ConvTranspose2d"))
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, _CONV_DOC.format("ConvTranspose3d"))


class _LazyNormMixin(LazyModuleMixin):
    _lazy_names = ("weight", "bias", "running_mean", "running_var")
    _in_name = "num_features"
    _unbatched = False          # instance norm also takes (C, *spatial)

    def _in_size(self, input: Tensor) -> int:
        if self._unbatched and input.ndim == self.cls_to_become._spatial + 1:
            return input.shape[0]
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected an input with a channel "
                             f"dimension, got shape {tuple(input.shape)}")
        return input.shape[1]

    def _in_from_state(self, shapes: dict) -> int | None:
        for key in ("weight", "bias", "running_mean", "running_var"):
            if len(shapes.get(key, ())) == 1:
                return shapes[key][0]
        return None


def _lazy_norm(eager: type, affine: bool, track: bool, unbatched: bool, doc: str) -> type:
    class LazyNorm(_LazyNormMixin, eager):
        cls_to_become = eager
        _unbatched = unbatched

        def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1,
                     affine: bool = affine, track_running_stats: bool = track,
                     device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
            self._lazy_setup((), {"eps": eps, "momentum": momentum, "affine": affine,
                                  "track_running_stats": track_running_stats, "bias": bias},
                             device, dtype)
    LazyNorm.__name__ = LazyNorm.__qualname__ = "Lazy" + eager.__name__
    LazyNorm.__doc__ = doc
    return LazyNorm


_NORM_DOC = ("A {0} whose ``num_features`` is the channel size of its first input. "
             ">>> nn.Lazy{0}()")
LazyBatchNorm1d = _lazy_norm(BatchNorm1d, True, True, False, _NORM_DOC.format("BatchNorm1d"))
LazyBatchNorm2d = _lazy_norm(BatchNorm2d, True, True, False, _NORM_DOC.format("BatchNorm2d"))
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, True, True, False, _NORM_DOC.format("BatchNorm3d"))
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d, True, True, True,
                                _NORM_DOC.format("InstanceNorm1d"))
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d, True, True, True,
                                _NORM_DOC.format("InstanceNorm2d"))
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, True, True, True,
                                _NORM_DOC.format("InstanceNorm3d"))
