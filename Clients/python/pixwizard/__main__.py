"""Command line: python -m pixwizard {edit,health,info,models} ...

    python -m pixwizard edit IN.png "remove the noise" -o OUT.png [--previews DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from . import Client, PixWizardError
from ._types import Accepted, Preview, Progress, Queued, Result, Summary


def _client(a: argparse.Namespace) -> Client:
    if a.tcp:
        host, _, port = a.tcp.rpartition(":")
        return Client(host=host or "127.0.0.1", port=int(port), token=a.token, timeout=a.timeout)
    return Client(unix_path=a.socket, token=a.token, timeout=a.timeout)


def _edit(a: argparse.Namespace) -> int:
    if a.previews:
        os.makedirs(a.previews, exist_ok=True)
    with _client(a) as c:
        stream = c.edit(
            a.input,
            a.instruction,
            model=a.model,
            seed=a.seed,
            steps=a.steps,
            text_guidance=a.text_guidance,
            image_guidance=a.image_guidance,
            resolution=a.resolution,
            preview_every=1 if a.previews else 0,
            preview_max_size=a.preview_size,
        )
        try:
            for ev in stream:
                if isinstance(ev, Accepted):
                    print(f"accepted: job {ev.job_id}, {ev.width}x{ev.height}, {ev.steps} steps, seed {ev.seed}", file=sys.stderr)
                elif isinstance(ev, Queued) and ev.position > 0:
                    print(f"queued: position {ev.position}", file=sys.stderr)
                elif isinstance(ev, Progress):
                    end = "\n" if ev.step == ev.total else ""
                    print(f"\r{ev.stage.name.lower():<12} {ev.step}/{ev.total}", end=end, file=sys.stderr, flush=True)
                elif isinstance(ev, Preview) and a.previews:
                    ev.to_pil().save(os.path.join(a.previews, f"step-{ev.step:03d}.png"))
                elif isinstance(ev, Result):
                    ev.save(a.output)
                    print(f"result: {ev.width}x{ev.height} -> {a.output}", file=sys.stderr)
                elif isinstance(ev, Summary):
                    parts = " ".join(f"{s.name.lower()} {t:.3f}s" for s, t in ev.timings)
                    print(f"summary: {ev.total_seconds:.2f} s total ({ev.queue_seconds:.2f} s queued), seed {ev.seed}: {parts}", file=sys.stderr)
        except KeyboardInterrupt:
            stream.cancel()
            print("\ncancelled", file=sys.stderr)
            return 130
        except PixWizardError as err:
            print(f"\nerror: {err}", file=sys.stderr)
            return 1
    if stream.result is None:
        print("error: the daemon sent no result", file=sys.stderr)
        return 1
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pixwizard", description="Client for the PixWizard daemon.")
    p.add_argument("--socket", help="Unix socket path (default: $PIXWIZARD_SOCKET or the daemon's default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="connect over TCP instead")
    p.add_argument("--token", help="shared secret for a daemon listening beyond loopback")
    p.add_argument("--timeout", type=float, default=None, help="seconds to wait for unary calls")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("edit", help="edit an image with an instruction")
    e.add_argument("input", help="input image (PNG)")
    e.add_argument("instruction")
    e.add_argument("-o", "--output", required=True, help="result PNG path")
    e.add_argument("--previews", metavar="DIR", help="write every preview frame as DIR/step-NNN.png")
    e.add_argument("--preview-size", type=int, default=0, help="longest side of preview frames (0: output size)")
    e.add_argument("--model", default="")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--steps", type=int, default=0)
    e.add_argument("--resolution", type=int, default=0)
    e.add_argument("--text-guidance", type=float, default=None)
    e.add_argument("--image-guidance", type=float, default=None)
    sub.add_parser("health", help="is the daemon serving?")
    sub.add_parser("info", help="version, limits, capabilities, models")
    sub.add_parser("models", help="list the models")
    a = p.parse_args(argv)
    try:
        if a.command == "edit":
            return _edit(a)
        with _client(a) as c:
            if a.command == "health":
                serving = c.health()
                print("serving" if serving else "not serving")
                return 0 if serving else 1
            if a.command == "info":
                i = c.info()
                print(f"version {i.version}, protocol {i.protocol_version}")
                print(f"limits: {i.limits}")
                print(f"capabilities: {', '.join(i.capabilities)}")
                for m in i.models:
                    print(f"model {m.name}{' (default)' if m.is_default else ''}{' [loaded]' if m.loaded else ''}: {m.description}")
                return 0
            for m in c.models():
                print(f"{m.name}\t{m.family}\t{'loaded' if m.loaded else '-'}\t{m.description}")
            return 0
    except PixWizardError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
