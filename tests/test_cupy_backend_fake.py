"""The CuPy backend's own code paths, exercised on a machine without a GPU by a stand-in
`cupy` module built from NumPy (in a subprocess, so the real import state is untouched).

This proves the backend's plumbing (namespace shim, dtype mapping, device names, factories,
indexing backward, random numbers, host transfer); it is not a GPU test: those run on the
`cuda` device fixture when a GPU is present."""
import subprocess
import sys
import textwrap

FAKE_CUPY = textwrap.dedent('''
    import sys, types, numpy as np
    fake = types.ModuleType("cupy")
    fake.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})
    for name in ("concat", "pow", "permute_dims", "astype", "isdtype", "matrix_transpose"):
        fake.__dict__.pop(name, None)          # like an older CuPy: the shim must fill them in
    def _no_device(create):                    # CuPy's creation functions take no device=
        def call(*args, **kwargs):
            if "device" in kwargs:
                raise TypeError(f"{create.__name__}() got an unexpected keyword 'device'")
            return create(*args, **kwargs)
        return call
    for name in ("zeros", "ones", "empty", "full", "arange", "eye", "asarray", "linspace",
                 "zeros_like", "ones_like", "empty_like", "full_like"):
        fake.__dict__[name] = _no_device(getattr(np, name))
    fake.__version__ = "14.0.0-fake"
    class Device:
        def __init__(self, index): self.index = index
        def __enter__(self): return self
        def __exit__(self, *exc): pass
        def synchronize(self): pass
    fake.cuda = types.SimpleNamespace(Device=Device, runtime=types.SimpleNamespace(
        getDeviceCount=lambda: 2, getDeviceProperties=lambda i: {"name": b"Fake GPU"}))
    fake.random = types.SimpleNamespace(default_rng=np.random.default_rng)
    fake.ndarray = np.ndarray
    fake.asnumpy = np.array
    fake.get_default_memory_pool = lambda: types.SimpleNamespace(used_bytes=lambda: 0)
    sys.modules["cupy"] = fake
''')

SCRIPT = FAKE_CUPY + textwrap.dedent('''
    import xpgrad as xg
    a = xg.randn(3, 4, dtype="float64", device="cuda", requires_grad=True)
    b = xg.randn(4, 2, dtype="float64", device="cuda:1", requires_grad=True)
    assert a.device == "cuda:0" and b.device == "cuda:1", (a.device, b.device)
    assert a.dtype == xg.float64
    try:
        a @ b
    except RuntimeError as e:
        assert "cuda:0" in str(e) and "cuda:1" in str(e), e
    else:
        raise AssertionError("mixing cuda:0 and cuda:1 must raise")
    b = b.to("cuda:0").detach().requires_grad_()
    xg.gradcheck(lambda a, b: xg.concat([(a @ b).sigmoid(), a.T[:2].T], 1).logsumexp(0), (a, b))
    xg.gradcheck(lambda a: a[xg.tensor([0, 0, 2], device="cuda")].permute(1, 0).sum(0), (a,))
    xg.manual_seed(3); r1 = xg.rand(4, device="cuda").tolist()
    xg.manual_seed(3); r2 = xg.rand(4, device="cuda").tolist()
    assert r1 == r2
    assert xg.backends.available()["cuda:0"] == "Fake GPU"
    # ops and layers that create arrays with device= inside their forward and backward
    img = xg.randn(2, 3, 6, 6, dtype="float64", device="cuda", requires_grad=True)
    conv = xg.nn.Conv2d(3, 4, 3, padding=1).double().to("cuda")
    out = xg.nn.functional.max_pool2d(conv(img), 2)
    out.sum().backward()
    assert img.grad.shape == img.shape and conv.weight.grad.device == "cuda:0"
    values, counts = xg.unique(xg.tensor([3, 1, 3], device="cuda"), return_counts=True)
    assert values.tolist() == [1, 3] and counts.tolist() == [1, 2]
    v = xg.randn(5, dtype="float64", device="cuda", requires_grad=True)
    v.cumsum(0).sort().values.sum().backward()
    assert v.grad.device == "cuda:0"
    try:
        xg.zeros(2, device="cuda:5")
    except RuntimeError as e:
        assert "cuda:5" in str(e) and "2 CUDA device" in str(e), e
    else:
        raise AssertionError("cuda:5 must not exist")
    print("ok")
''')


def test_cupy_backend_plumbing_with_a_stand_in_module():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_cuda_without_cupy_names_the_extra():
    code = ("import sys; sys.modules['cupy'] = None\n"
            "import xpgrad as xg\n"
            "try:\n    xg.zeros(2, device='cuda')\n"
            "except RuntimeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert "CuPy" in out and "xpgrad[cuda12]" in out and "xpgrad[cuda13]" in out


COMPILE_SCRIPT = FAKE_CUPY + textwrap.dedent('''
    import numpy as np
    import xpgrad as xg
    from xpgrad import nn, optim
    results = []
    for compiled in (False, True):
        xg.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3)).to("cuda")
        opt = optim.Adam(model.parameters(), lr=0.01)
        def step(x, y):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        f = xg.compile(step) if compiled else step
        rng = np.random.default_rng(1)
        losses = [f(xg.tensor(rng.standard_normal((6, 5)), dtype="float32", device="cuda"),
                    xg.tensor(rng.integers(0, 3, 6), device="cuda")).item() for _ in range(5)]
        results.append((losses, [p.numpy() for p in model.parameters()]))
    assert results[0][0] == results[1][0], results
    assert all(np.array_equal(a, b) for a, b in zip(results[0][1], results[1][1]))
    assert f.traces == 1
    print("ok")
''')


def test_compile_on_the_cupy_backend_with_a_stand_in_module():
    """xg.compile's tracer and planner on the CuPy backend's code paths (no out= forms, the
    base storage and buffer helpers): a replay equals eager."""
    result = subprocess.run([sys.executable, "-c", COMPILE_SCRIPT], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
