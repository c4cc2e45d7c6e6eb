"""xg.distributed in one process: everything is a cheap no-op, sharding is exact, the
launcher builds the right command, and a missing mpi4py gives one clear message."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import distributed as dist
from xpgrad import nn
from xpgrad.distributed import launch
from xpgrad.nn.parallel import DataParallel, SyncBatchNorm


def test_single_process_world():
    assert (dist.rank(), dist.world_size(), dist.local_rank(), dist.is_main()) == (0, 1, 0, True)
    dist.barrier()


def test_collectives_are_no_ops(device):
    t = xg.tensor([1.0, 2.0], device=device)
    data = t.data
    assert dist.all_reduce(t, op="mean") is t and t.data is data
    assert dist.broadcast(t) is t and np.allclose(t.numpy(), [1.0, 2.0])
    x = xg.tensor([3.0], device=device, requires_grad=True)
    y = dist.functional.all_reduce(x)
    (y * 2.0).sum().backward()
    assert np.allclose(y.numpy(), [3.0]) and np.allclose(x.grad.numpy(), [2.0])
    assert dist.reduce_metrics({"loss": 0.25}, weight=10) == {"loss": 0.25}


def test_collective_argument_errors():
    with pytest.raises(ValueError, match="op must be one of"):
        dist.all_reduce(xg.ones(2), op="prod")
    with pytest.raises(TypeError, match="floating-point"):
        dist.all_reduce(xg.tensor([1, 2]), op="mean")
    with pytest.raises(TypeError, match="Tensor"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(ValueError, match="root 3"):
        dist.broadcast(xg.ones(2), root=3)


def test_gradient_averager_single_process_registers_nothing():
    w = xg.ones(3, requires_grad=True)
    avg = dist.GradientAverager([w])
    assert avg.buckets == [] and w._hooks is None
    (w * 2.0).sum().backward()
    avg.finish()
    assert np.allclose(w.grad.numpy(), 2.0)


def test_data_parallel_and_sync_batchnorm_match_plain_modules_in_one_process(device):
    xg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6, device=device), nn.BatchNorm1d(6, device=device))
    ref = nn.Sequential(nn.Linear(4, 6, device=device), nn.BatchNorm1d(6, device=device))
    ref.load_state_dict(model.state_dict())
    ddp = DataParallel(SyncBatchNorm.convert_sync_batchnorm(model))
    assert isinstance(ddp.module[1], SyncBatchNorm) and ddp.module[1].weight is model[1].weight
    x = xg.randn(8, 4, device=device)
    out, expected = ddp(x), ref(x)
    assert np.allclose(out.numpy(), expected.numpy(), atol=1e-6)
    out.sum().backward()
    ddp.finish_gradient_sync()
    assert list(ddp.state_dict())[0] == "module.0.weight"


@pytest.mark.parametrize("n,world,pad", [(10, 3, False), (11, 2, False), (10, 3, True),
                                         (2, 4, True), (0, 2, False), (7, 1, False)])
def test_shards_are_disjoint_equal_and_cover_the_permutation(n, world, pad):
    for seed in (0, 1, None):
        parts = [dist.shard_indices(n, seed, rank, world, pad=pad) for rank in range(world)]
        assert len({len(p) for p in parts}) == 1 and parts[0].dtype == np.int64
        seen = np.concatenate(parts)
        if pad:
            assert set(seen.tolist()) == set(range(n)) and len(seen) == -(-n // world) * world
        else:
            assert len(seen) == len(set(seen.tolist())) == n - n % world
    a = dist.shard_indices(100, 5, 0, 2)
    assert not np.array_equal(a, dist.shard_indices(100, 6, 0, 2))   # reshuffled per epoch
    assert np.array_equal(dist.shard_indices(10, None, 1, 2), [1, 3, 5, 7, 9])
    with pytest.raises(ValueError, match="rank 2"):
        dist.shard_indices(10, 0, 2, 2)


def test_launcher_builds_the_mpiexec_command(capsys):
    cmd = launch.build_command(4, ["train.py", "--epochs", "3"])
    assert cmd[1:] == ["-n", "4", sys.executable, "-m", "mpi4py", "train.py", "--epochs", "3"]
    assert "mpiexec" in cmd[0] or "mpirun" in cmd[0]
    assert launch.main(["-n", "2", "--dry-run", "--", "-m", "pkg.train"]) == 0
    assert capsys.readouterr().out.split()[-4:] == ["-m", "mpi4py", "-m", "pkg.train"]
    assert launch.main(["-n", "2"]) == 2
    assert "nothing to run" in capsys.readouterr().err


def test_missing_mpiexec_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"pip install 'xpgrad\[mpi\]'"):
        launch.find_mpiexec()


HIDE_MPI4PY = "import sys; sys.modules['mpi4py'] = None; sys.modules['mpi4py.MPI'] = None\n"


def test_init_without_mpi4py_names_the_extra():
    code = HIDE_MPI4PY + (
        "import xpgrad as xg\nfrom xpgrad import distributed as dist\n"
        "assert dist.world_size() == 1\n"                      # one process needs no MPI
        "try:\n    dist.init()\nexcept dist.DistributedUnavailableError as e:\n"
        "    print('MESSAGE:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "MESSAGE:" in out.stdout and "pip install 'xpgrad[mpi]'" in out.stdout
    fit_code = HIDE_MPI4PY + (
        "import numpy as np\nfrom xpgrad import nn, optim\nfrom xpgrad.train import fit\n"
        "m = nn.Linear(2, 1)\n"
        "fit(m, nn.MSELoss(), optim.SGD(m.parameters(), lr=0.1),"
        " (np.ones((4, 2), 'float32'), np.ones((4, 1), 'float32')), distributed=True)\n")
    out = subprocess.run([sys.executable, "-c", fit_code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0 and "pip install 'xpgrad[mpi]'" in out.stderr, out.stderr
    assert "DistributedUnavailableError" in out.stderr
    launcher = subprocess.run(
        [sys.executable, "-c", HIDE_MPI4PY + "from xpgrad.distributed.launch import main\n"
         "raise SystemExit(main(['-n', '2', 'x.py']))"],
        capture_output=True, text=True, timeout=60)
    assert launcher.returncode == 2 and "pip install 'xpgrad[mpi]'" in launcher.stderr


def test_nccl_communicator_plumbing_with_a_stand_in_cupy(monkeypatch):
    """Not a GPU test (none here): checks the unique-id exchange and the NCCL calls with
    stand-in cupy/nccl modules. Reductions compute on NumPy so the results can be checked."""
    import types

    from xpgrad.distributed.nccl import NCCLCommunicator
    from xpgrad.distributed.world import World
    calls, memory = [], {}

    class FakeComm:                        # NCCL communicator: 2 ranks holding equal data
        def __init__(self, ndev, uid, rank):
            calls.append(("init", ndev, uid, rank))

        def allReduce(self, send, recv, count, dtype, op, stream):
            calls.append(("allReduce", count, dtype, op, stream))
            memory[recv][...] = memory[send] * 2

        def bcast(self, buff, count, dtype, root, stream):
            calls.append(("bcast", count, dtype, root, stream))

    class Array(np.ndarray):               # a NumPy array with CuPy's .data.ptr
        @property
        def data(self):
            memory[id(self.base)] = self
            return types.SimpleNamespace(ptr=id(self.base))

    nccl = types.SimpleNamespace(
        available=True, get_unique_id=lambda: b"uid", NcclCommunicator=FakeComm,
        NCCL_FLOAT16=6, NCCL_FLOAT32=7, NCCL_FLOAT64=8, NCCL_INT8=0, NCCL_UINT8=1,
        NCCL_INT32=2, NCCL_INT64=4, NCCL_SUM=0, NCCL_MAX=2, NCCL_MIN=3)
    stream = types.SimpleNamespace(ptr=99)
    cuda = types.SimpleNamespace(nccl=nccl, get_current_stream=lambda: stream)
    fake_cupy = types.SimpleNamespace(cuda=cuda, ascontiguousarray=np.ascontiguousarray)
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy)
    monkeypatch.setitem(sys.modules, "cupy.cuda", cuda)
    monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", nccl)
    mpi = types.SimpleNamespace(bcast=lambda obj, root: calls.append(("mpi bcast", obj)) or obj)
    world = World(mpi, 0, 2, 0, 2)

    class Device:
        def __enter__(self): return self
        def __exit__(self, *exc): pass
    backend = types.SimpleNamespace(device="cuda:0", xp_device=Device())
    comm = NCCLCommunicator(world, backend)
    assert calls[:2] == [("mpi bcast", b"uid"), ("init", 2, b"uid", 0)]
    a = np.arange(4, dtype=np.float32).view(Array)
    comm.all_reduce(a, "mean")
    assert calls[-1] == ("allReduce", 4, 7, 0, 99) and np.allclose(a, np.arange(4))
    comm.broadcast(a, root=1)
    assert calls[-1] == ("bcast", 4, 7, 1, 99)
    comm.iall_reduce(a).wait()
    assert np.allclose(a, 2 * np.arange(4))


def test_sharded_loader_in_one_process_is_the_whole_epoch():
    from xpgrad.data import DataLoader
    loader = DataLoader(np.arange(10), batch_size=3, shuffle=True, seed=4, shard=True)
    plain = DataLoader(np.arange(10), batch_size=3, shuffle=True, seed=4)
    assert len(loader) == len(plain) == 4
    assert np.array_equal(loader.epoch_indices(2), plain.epoch_indices(2))


def test_fit_distributed_in_one_process_equals_plain_fit():
    pytest.importorskip("mpi4py")
    from xpgrad import optim
    from xpgrad.train import fit
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 1))
    results = []
    for distributed in (False, True):
        xg.manual_seed(0)
        model = nn.Linear(3, 1, dtype="float64")
        hist = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
                   epochs=3, batch_size=8, validation_data=(X[:10], y[:10]), seed=1,
                   verbose=0, distributed=distributed)
        results.append((hist.history, model.weight.numpy()))
    assert results[0][0] == results[1][0]
    assert np.array_equal(results[0][1], results[1][1])


def test_convert_sync_batchnorm_gives_the_new_module_its_own_hook_tables():
    bn = nn.BatchNorm1d(3)
    bn.register_forward_hook(lambda m, i, o: None)
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(bn))[0]
    assert isinstance(sync, nn.SyncBatchNorm) and sync.weight is bn.weight
    for key in ("_forward_hooks", "_backward_hooks", "_forward_pre_hooks"):
        assert getattr(sync, key) is not getattr(bn, key)
