"""xg.autograd names a PyTorch user reaches for: inference_mode (also on generator
functions), is_inference_mode_enabled and the legacy Variable."""
import xpgrad as xg


def test_inference_mode_is_one_object_under_both_names():
    assert xg.autograd.inference_mode is xg.inference_mode
    assert xg.autograd.is_inference_mode_enabled is xg.is_inference_mode_enabled


def test_inference_mode_decorates_a_generator_step_by_step():
    @xg.inference_mode()
    def steps():
        yield xg.is_inference_mode_enabled(), xg.is_grad_enabled()
        yield (xg.ones(1, requires_grad=True) * 2).requires_grad

    seen = steps()
    assert next(seen) == (True, False)
    assert xg.is_inference_mode_enabled() is False      # the caller's mode between steps
    assert xg.is_grad_enabled() is True
    assert next(seen) is False


def test_inference_mode_false_records():
    with xg.inference_mode(False):
        assert xg.is_grad_enabled() and not xg.is_inference_mode_enabled()


def test_variable_is_a_detached_tensor_sharing_memory():
    t = xg.ones(2)
    v = xg.autograd.Variable(t, requires_grad=True)
    assert v is not t and v.requires_grad and not t.requires_grad     # as torch 2.13
    with xg.no_grad():
        v[0] = 5.0
    assert t[0].item() == 5.0
    b = xg.ones(2, requires_grad=True) * 2
    w = xg.autograd.Variable(b)
    assert w.grad_fn is None and not w.requires_grad
    assert xg.autograd.Variable([1.0, 2.0]).tolist() == [1.0, 2.0]
