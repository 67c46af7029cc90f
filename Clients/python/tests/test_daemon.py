"""End to end against the real `pixwizard serve` with the test model, started by
scripts/after-swift-clients.sh, which passes PIXWIZARD_TEST_SOCKET, PIXWIZARD_TEST_TCP (host:port)
and PIXWIZARD_TEST_IMAGE (and PIXWIZARD_REQUIRE_DAEMON=1, so that these cannot be skipped there)."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import pixwizard.aio
from pixwizard import (
    Accepted,
    Client,
    PixWizardError,
    Preview,
    Progress,
    Queued,
    Result,
    Stage,
    Stages,
    StatusCode,
    Summary,
)

SOCKET = os.environ.get("PIXWIZARD_TEST_SOCKET", "")
TCP = os.environ.get("PIXWIZARD_TEST_TCP", "")
IMAGE = os.environ.get("PIXWIZARD_TEST_IMAGE", "")
STEPS = int(os.environ.get("PIXWIZARD_TEST_STEPS", "4"))
TOKEN_TCP = os.environ.get("PIXWIZARD_TEST_TOKEN_TCP", "")  # a daemon started with --token s3cret

if not (SOCKET and TCP and IMAGE):
    if os.environ.get("PIXWIZARD_REQUIRE_DAEMON") == "1":
        raise RuntimeError("PIXWIZARD_TEST_SOCKET/TCP/IMAGE must be set")
    pytest.skip("no daemon: run through scripts/after-swift-clients.sh", allow_module_level=True)


def tcp_client(**kw: float) -> Client:
    host, _, port = TCP.rpartition(":")
    return Client(host=host, port=int(port), timeout=kw.get("timeout", 60))


def check_full_stream(events: Sequence[object], steps: int, preview_max: int | None) -> Result:
    acc = [e for e in events if isinstance(e, Accepted)]
    assert len(acc) == 1 and acc[0].steps == steps
    assert isinstance(events[0], Accepted)
    stages = [e for e in events if isinstance(e, Stages)]
    assert len(stages) == 1 and Stage.DENOISE in stages[0].stages
    denoise = [e.step for e in events if isinstance(e, Progress) and e.stage == Stage.DENOISE]
    assert denoise == list(range(1, steps + 1))
    previews = [e for e in events if isinstance(e, Preview)]
    if preview_max is not None:
        assert [p.step for p in previews] == list(range(1, steps + 1))
        for p in previews:
            arr = p.to_numpy()
            assert arr.shape == (p.height, p.width, 3) and max(p.width, p.height) <= preview_max
            assert arr.std() > 0  # a decoded image, not a constant
            assert 0.8 < p.width / p.height < 1.25  # the square test image stays square
            assert p.to_pil().size == (p.width, p.height)
    results = [e for e in events if isinstance(e, Result)]
    assert len(results) == 1
    r = results[0]
    if acc[0].width:  # Accepted announces the output size when the daemon knows it before running
        assert (r.width, r.height) == (acc[0].width, acc[0].height)
    assert r.to_pil().size == (r.width, r.height)
    assert r.to_numpy().shape == (r.height, r.width, 3)
    assert isinstance(events[-1], Summary) and events[-1].total_seconds > 0
    return r


def test_health_info_models() -> None:
    with Client(unix_path=SOCKET, timeout=30) as c:
        t0 = time.perf_counter()
        assert c.health() is True
        print(f"health rtt (unix, python): {(time.perf_counter() - t0) * 1e6:.0f} us")
        info = c.info()
        assert info.protocol_version == 1 and info.version
        assert "generate" in info.capabilities and info.limits.max_pixels > 0
        models = c.models()
        assert models and sum(m.is_default for m in models) <= 1
    with tcp_client() as t:
        assert t.health() is True


def test_load_unload() -> None:
    with Client(unix_path=SOCKET, timeout=60) as c:
        name = c.models()[0].name
        m = c.load(name)
        assert m.name == name and m.loaded
        c.unload(name)
        assert c.load(name).loaded


def test_edit_with_previews_every_step() -> None:
    with Client(unix_path=SOCKET, timeout=30) as c:
        events = list(c.edit(IMAGE, "remove the noise", seed=42, steps=STEPS, preview_every=1, preview_max_size=32, timeout=300))
    check_full_stream(events, STEPS, 32)


def test_raw_numpy_and_pil_inputs_over_tcp() -> None:
    img = Image.open(IMAGE).convert("RGB")
    with tcp_client() as c:
        r1 = c.edit(np.asarray(img), "remove the noise", seed=3, steps=2, timeout=300).wait()
        r2 = c.edit(img, "remove the noise", seed=3, steps=2, timeout=300).wait()
    # Same pixels, same seed: the same result, whichever way the image travelled.
    assert r1.png and np.array_equal(r1.to_numpy(), r2.to_numpy())


def test_two_calls_at_once_one_connection() -> None:
    with Client(unix_path=SOCKET, timeout=30) as c:
        a = c.edit(IMAGE, "remove the noise", seed=1, steps=STEPS, preview_every=1, timeout=300)
        b = c.edit(IMAGE, "remove the noise", seed=2, steps=STEPS, timeout=300)
        out: dict[str, list[object]] = {}

        def drain(name: str, s: pixwizard.EditStream) -> None:
            out[name] = list(s)

        threads = [threading.Thread(target=drain, args=("a", a)), threading.Thread(target=drain, args=("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    check_full_stream(out["a"], STEPS, None)
    check_full_stream(out["b"], STEPS, None)
    acc_a = next(e for e in out["a"] if isinstance(e, Accepted))
    acc_b = next(e for e in out["b"] if isinstance(e, Accepted))
    assert acc_a.job_id != acc_b.job_id and (acc_a.seed, acc_b.seed) == (1, 2)
    assert any(isinstance(e, Preview) for e in out["a"]) and not any(isinstance(e, Preview) for e in out["b"])
    queued = [e.position for e in out["a"] + out["b"] if isinstance(e, Queued)]
    print(f"queue positions reported: {queued}")


def test_cancel() -> None:
    with Client(unix_path=SOCKET, timeout=30) as c:
        stream = c.edit(IMAGE, "remove the noise", steps=50, timeout=300)
        seen = []
        found: list[bool] = []
        with pytest.raises(PixWizardError) as e:
            for ev in stream:
                seen.append(ev)
                if isinstance(ev, Progress) and ev.stage == Stage.DENOISE and not found:
                    found.append(stream.cancel())
        assert e.value.code == StatusCode.CANCELLED and found == [True]
        assert stream.status is not None and stream.status.code == StatusCode.CANCELLED
        assert not any(isinstance(e, Result) for e in seen)
        steps_done = [e.step for e in seen if isinstance(e, Progress) and e.stage == Stage.DENOISE]
        assert len(steps_done) < 50, steps_done
        assert c.health() is True


def test_error_statuses() -> None:
    with Client(unix_path=SOCKET, timeout=30) as c:
        with pytest.raises(PixWizardError) as e:
            list(c.edit(IMAGE, "remove the noise", model="no-such-model", timeout=60))
        assert e.value.code == StatusCode.NOT_FOUND
        with pytest.raises(PixWizardError) as e:
            list(c.edit(b"\x89PNG\r\n\x1a\nnot really", "remove the noise", timeout=60))
        assert e.value.code == StatusCode.INVALID_ARGUMENT
        with pytest.raises(PixWizardError) as e:
            c.load("no-such-model")
        assert e.value.code == StatusCode.NOT_FOUND
        with pytest.raises(PixWizardError) as e:
            list(c.edit(IMAGE, "remove the noise", steps=STEPS * 4, timeout=0.001))
        assert e.value.code == StatusCode.DEADLINE_EXCEEDED
        assert c.health() is True


def test_aio_same_api() -> None:
    async def main() -> None:
        async with pixwizard.aio.Client(unix_path=SOCKET, timeout=30) as c:
            assert await c.health() is True
            assert (await c.info()).protocol_version == 1
            a = c.edit(IMAGE, "remove the noise", seed=5, steps=STEPS, preview_every=1, preview_max_size=32, timeout=300)
            b = c.edit(IMAGE, "remove the noise", model="no-such-model", timeout=300)

            async def drain(s: pixwizard.aio.EditStream) -> list[object]:
                return [ev async for ev in s]

            ra, rb = await asyncio.gather(drain(a), drain(b), return_exceptions=True)
            assert isinstance(rb, PixWizardError) and rb.code == StatusCode.NOT_FOUND
            assert isinstance(ra, list)
            check_full_stream(ra, STEPS, 32)
            s = c.edit(IMAGE, "remove the noise", steps=50, timeout=300)
            with pytest.raises(PixWizardError) as e:
                async for ev in s:
                    if isinstance(ev, Progress) and ev.stage == Stage.DENOISE and ev.step == 1:
                        assert await s.cancel() is True
            assert e.value.code == StatusCode.CANCELLED
            assert s.status is not None and s.status.code == StatusCode.CANCELLED and s.result is None

    asyncio.run(main())


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    prev = tmp_path / "previews"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    p = subprocess.run(
        [sys.executable, "-m", "pixwizard", "--socket", SOCKET, "edit", IMAGE, "remove the noise", "-o", str(out),
         "--previews", str(prev), "--steps", str(STEPS), "--seed", "9"],
        capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    assert Image.open(io.BytesIO(out.read_bytes())).size[0] > 0
    assert sorted(f.name for f in prev.iterdir()) == [f"step-{i:03d}.png" for i in range(1, STEPS + 1)]


@pytest.mark.skipif(not TOKEN_TCP, reason="no daemon with a token")
def test_token() -> None:
    host, _, port = TOKEN_TCP.rpartition(":")
    with Client(host=host, port=int(port), timeout=30) as c:
        assert c.health() is True  # exempt
        with pytest.raises(PixWizardError) as e:
            c.info()
        assert e.value.code == StatusCode.UNAUTHENTICATED
    with Client(host=host, port=int(port), token="s3cret", timeout=30) as c:
        assert c.info().protocol_version == 1

    async def aio() -> None:
        async with pixwizard.aio.Client(host=host, port=int(port), token="s3cret", timeout=30) as a:
            assert len(await a.models()) >= 1

    asyncio.run(aio())
