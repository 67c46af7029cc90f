"""`make bench-dit`: the Swift DiT forward vs the PyTorch reference (Training/reference/pixwizard_ref.py)
on the same weights and thread count, alternating in one run.

For each config the driver makes seeded random weights (official key names; config c is stored as BF16,
and the torch model is loaded with exactly those rounded values), starts `pixwizard-bench dit --serve`
on them, and then alternates one Swift forward and one torch forward `--reps` times after a warm-up of
each. Both run one branch (batch 1), 32 text tokens, 576 semantic image tokens (256 kept), t fixed.
Swift reuses the per-request text/image K/V (`prepare`, reported separately); the torch reference
recomputes them in every forward, as the official code does at every step.

Config c holds 2 x 8 GB of fp32 weights when both sides are loaded at once; when MemAvailable is
below 18 GiB (or with --sequential) it runs the torch forwards first, frees that model, then the Swift
ones (one run, not alternating; said in the output). Config c runs without warm-up (a forward takes
minutes on this machine; the Swift weights are converted at load, so there is nothing to page in).

Prints per config:
  dit_forward config=<a|b|c> swift_ms=<median> torch_ms=<median> ratio=<torch/swift> sgemm_peak_share=<z>
      allocs_per_step_after_first=<n>
where sgemm_peak_share = (matmul FLOPs of the forward / swift time) / OpenBLAS sgemm peak (1024^3,
same threads, measured in the same run).
"""
import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
from typing import cast

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Training", "reference"))
import pixwizard_ref as ref  # noqa: E402

ENC = dict(cap_feat_dim=2048, clip_text_dim=768, image_feat_dim=1024, image_tokens=576, sample_tokens=256)
BASE = dict(patch_size=2, in_channels=4, multiple_of=256, ffn_dim_multiplier=None, norm_eps=1e-5, learn_sigma=True,
            qk_norm=True, rope_theta=10000.0, cfg_channels=3, **ENC)
CONFIGS = {
    "a": (dict(BASE, dim=256, n_layers=8, n_heads=8, n_kv_heads=2), 32, "F32"),     # 16x16 = 256 tokens
    "b": (dict(BASE, dim=1152, n_layers=12, n_heads=16, n_kv_heads=4), 64, "F32"),  # 32x32 = 1024 tokens
    "c": (dict(ref.OFFICIAL_2B), 64, "BF16"),                                        # 512^2 -> 1024 tokens
}
TEXT_LEN = 32


def write_safetensors(model: torch.nn.Module, path: str, dtype: str) -> None:
    """Streams the state dict to a safetensors file tensor by tensor (no full second copy in memory);
    with BF16 the model's own parameters are replaced by the rounded values."""
    sd = model.state_dict()
    names = sorted(sd)
    size = 2 if dtype == "BF16" else 4
    header, off = {}, 0
    for n in names:
        nbytes = sd[n].numel() * size
        header[n] = {"dtype": dtype, "shape": list(sd[n].shape), "data_offsets": [off, off + nbytes]}
        off += nbytes
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(len(hb).to_bytes(8, "little"))
        f.write(hb)
        for n in names:
            t = sd[n]
            with torch.no_grad():
                if dtype == "BF16":
                    r = t.to(torch.bfloat16)
                    t.copy_(r.float())
                    f.write(r.view(torch.int16).numpy().tobytes())
                else:
                    f.write(t.contiguous().numpy().tobytes())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="pixwizard-bench binary")
    ap.add_argument("--configs", default="a,b,c")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--reps-c", type=int, default=1)
    ap.add_argument("--sequential", action="store_true", help="torch first, then swift (memory)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    env = dict(os.environ, OPENBLAS_THREAD_TIMEOUT="1")
    peak_out = subprocess.run([args.bin, "sgemm", "--threads", str(args.threads), "--n", "1024"], env=env,
                              check=True, capture_output=True, text=True).stdout.strip()
    peak = float(peak_out.split("gflops=")[1])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, threads={args.threads}, "
          f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}), {peak_out}", flush=True)
    for name in args.configs.split(","):
        cfg, latent, dtype = CONFIGS[name]
        reps = args.reps_c if name == "c" else args.reps
        g = torch.Generator().manual_seed(1234)
        t0 = time.time()
        model = ref.PixWizardDiT(**cfg)
        model.init_weights("live", g)
        with torch.no_grad():   # keep activations tame at depth: small gates
            for l in model.blocks():
                l.attention.gate.mul_(0.2)
                if l.image_xattn:
                    l.attention.gate_for_ii.mul_(0.2)
                cast(nn.Linear, l.adaLN_modulation[1]).weight.mul_(0.1)
        model.eval()
        with tempfile.TemporaryDirectory() as tmp:
            wpath, cpath = os.path.join(tmp, "w.safetensors"), os.path.join(tmp, "config.json")
            write_safetensors(model, wpath, dtype)
            with open(cpath, "w") as f:
                json.dump({"dit": cfg}, f)
            gen_s = time.time() - t0
            x = torch.randn(1, 4, latent, latent, generator=g)
            cond = torch.randn(1, 4, latent, latent, generator=g)
            text = torch.randn(1, TEXT_LEN, cfg["cap_feat_dim"], generator=g)
            mask = torch.ones(1, TEXT_LEN, dtype=torch.bool)
            task = torch.randn(1, cfg["clip_text_dim"], generator=g)
            img = torch.randn(1, cfg["image_tokens"], cfg["image_feat_dim"], generator=g)
            tt = torch.tensor([0.5])

            def torch_once():
                s = time.perf_counter()
                with torch.no_grad():
                    model(x, tt, cond, text, mask, task, img)
                return (time.perf_counter() - s) * 1000

            sequential = args.sequential or (name == "c" and mem_available_gib() < 18)
            warm = name != "c"
            sw, tw, allocs = [], [], []
            if sequential:
                if warm:
                    torch_once()
                tw = [torch_once() for _ in range(reps)]
                del model
                gc.collect()
            proc = subprocess.Popen([args.bin, "dit", "--serve", "--config", cpath, "--weights", wpath, "--latent", str(latent),
                                     "--branches", "1", "--text-len", str(TEXT_LEN), "--threads", str(args.threads)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
            assert proc.stdin and proc.stdout
            ready = proc.stdout.readline().strip()
            if not ready.startswith("ready"):
                raise SystemExit(f"swift bench failed to start: {ready}")
            gflop = float(ready.split("gflop=")[1].split()[0])

            def swift_once():
                proc.stdin.write("run\n"); proc.stdin.flush()
                line = proc.stdout.readline().strip()
                kv = dict(p.split("=") for p in line.split())
                return float(kv["forward_ms"]), int(kv["allocs"])

            if warm:
                _, a0 = swift_once()
                if not sequential:
                    torch_once()
            for _ in range(reps):
                ms, a = swift_once(); sw.append(ms); allocs.append(a)
                if not sequential:
                    tw.append(torch_once())
            if not warm and reps == 1:   # allocations after the first: one more Swift forward
                _, a = swift_once(); allocs = [a]
            proc.stdin.write("quit\n"); proc.stdin.flush(); proc.wait(timeout=60)
        s_ms, t_ms = statistics.median(sw), statistics.median(tw)
        share = gflop / (s_ms / 1000) / peak
        print(f"dit_forward config={name} swift_ms={s_ms:.1f} torch_ms={t_ms:.1f} ratio={t_ms / s_ms:.2f} "
              f"sgemm_peak_share={share:.2f} allocs_per_step_after_first={max(allocs)}", flush=True)
        mode = "torch first, then swift (memory)" if sequential else "alternating"
        print(f"  ({ready}; weights {dtype}, generated in {gen_s:.0f} s; {mode}; swift runs {[round(v) for v in sw]} ms, "
              f"torch runs {[round(v) for v in tw]} ms)", flush=True)
        model = None  # type: ignore[assignment]
        gc.collect()


def mem_available_gib() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return 0.0


if __name__ == "__main__":
    main()
