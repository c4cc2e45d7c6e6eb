"""The replay's plan: memory over 1,000 replays, the debug listing, the out= buffers.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import gc
import tracemalloc


import xpgrad as xg
from compile_helpers import (assert_arrays_equal, assert_same, heart, heart_batches, state)


# ---- memory ----------------------------------------------------------------------------------
def test_memory_does_not_grow_over_1000_replays():
    _, _, s = heart("cpu")
    step = xg.compile(s)
    x, y = heart_batches("cpu", 1, batch=32)[0]
    for _ in range(3):                      # warm-up, record, first replay
        step(x, y)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(10):
            step(x, y)
        gc.collect()
        after_10 = tracemalloc.get_traced_memory()[0]
        for _ in range(990):
            step(x, y)
        gc.collect()
        after_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert step.traces == 1
    assert after_1000 - after_10 < 64 * 1024, (after_10, after_1000)


def test_memory_of_held_outputs_is_released():
    """Outputs are new arrays each call: dropping them frees them (nothing keeps them)."""
    _, _, s = heart("cpu")
    step = xg.compile(s)
    x, y = heart_batches("cpu", 1, batch=32)[0]
    for _ in range(3):
        step(x, y)
    gc.collect()
    tracemalloc.start()
    try:
        held = [step(x, y) for _ in range(200)]
        with_outputs = tracemalloc.get_traced_memory()[0]
        del held
        gc.collect()
        released = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert released < with_outputs


# ---- debug listing and the buffer plan -------------------------------------------------------
def test_debug_prints_the_tape_once(capsys):
    _, _, s = heart()
    step = xg.compile(s, debug=True)
    batches = heart_batches("cpu", 5)
    step(*batches[0])
    assert capsys.readouterr().out == ""            # warm-up: nothing printed
    step(*batches[1])
    out = capsys.readouterr().out
    assert "def replay" in out and "xg.compile(train_step)" in out
    assert "backend calls" in out
    for x, y in batches[2:]:
        step(x, y)
    assert capsys.readouterr().out == ""            # replays print nothing


def test_describe_and_program_source(device):
    _, _, s = heart(device)
    step = xg.compile(s)
    for x, y in heart_batches(device, 3):
        step(x, y)
    text = step.describe()
    assert "def replay" in text and text.startswith("# xg.compile(train_step)")
    (program,) = step.programs()
    assert "def replay" in program.source and program.source in text
    assert step.describe(program) == text
    stats = program.stats
    assert {"calls", "allocating", "buffers", "distinct_buffers", "buffer_bytes", "folded",
            "views", "dropped", "host"} <= set(stats)
    assert stats["calls"] > 0 and 0 <= stats["allocating"] <= stats["calls"]
    assert f"{stats['calls']} backend calls" in text


def test_out_buffer_planning_on_cpu():
    _, _, s = heart("cpu")
    step = xg.compile(s)
    for x, y in heart_batches("cpu", 3, batch=32):
        step(x, y)
    stats = step.programs()[0].stats
    assert stats["buffers"] > 0 and stats["buffer_bytes"] > 0
    assert 0 < stats["distinct_buffers"] <= stats["buffers"]     # liveness reuses buffers
    assert stats["allocating"] < 0.25 * stats["calls"], stats
    assert "out=" in step.describe()


def test_strict_device_plans_no_buffers_and_still_matches_eager():
    m1, _, s1 = heart("strict:device1")
    m2, _, s2 = heart("strict:device1")
    step = xg.compile(s2)
    eager = [s1(x, y).numpy() for x, y in heart_batches("strict:device1", 6, batch=32)]
    comp = [step(x, y).numpy() for x, y in heart_batches("strict:device1", 6, batch=32)]
    assert_arrays_equal(eager, comp)
    assert_same(state(m1), state(m2))
    stats = step.programs()[0].stats
    assert stats["buffers"] == 0 and stats["buffer_bytes"] == 0
    assert stats["distinct_buffers"] == 0
    assert "out=" not in step.programs()[0].source
