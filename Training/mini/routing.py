"""Text routing accuracy of the held-out wordings (EVALUATION.md, language row): which task does each held-out
instruction name, judged from the text alone by two routers fitted on the training wordings only.

- keyword (the classical anchor): every word of the training wordings of a task, minus the colour, shape,
  position and overlay names that all parametric tasks share, votes for that task with weight idf (log of the
  number of tasks over the number of tasks using the word); the instruction goes to the task with the largest
  vote sum, and a tie or no known word counts as a miss.
- minilm-centroid: the task whose mean training sentence embedding (MiniLM masked mean, L2-normalised: the
  task embedder's input) has the largest cosine with the instruction's.

Neither is part of the model: the DiT gets no task label, only the text features. The second router shows how
separable the tasks are where the model reads them; a held-out wording it routes elsewhere sits nearer another
task's training wordings.

    python3 Training/mini/routing.py            # per wording, with the two routers' answers
"""
from __future__ import annotations

import math
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import taskworld as tw  # noqa: E402
from instructions import entries  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MINILM = os.path.join(ROOT, "Models", ".cache", "all-MiniLM-L6-v2")
_SHARED = set(tw.COLOURS) | set(tw.SHAPES) | {w for p in tw.POSITIONS + tw.OVERLAY_NAMES for w in p.split()}


def words(s: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", s.lower()) if w not in _SHARED]


class KeywordRouter:
    def __init__(self, train: dict[str, list[str]]):
        self.tasks = list(train)
        self.vocab = {t: {w for s in train[t] for w in words(s)} for t in self.tasks}
        df: dict[str, int] = {}
        for t in self.tasks:
            for w in self.vocab[t]:
                df[w] = df.get(w, 0) + 1
        self.idf = {w: math.log(len(self.tasks) / c) for w, c in df.items()}

    def route(self, s: str) -> str | None:
        ws = set(words(s))
        score = {t: sum(self.idf[w] for w in ws & self.vocab[t]) for t in self.tasks}
        best = max(score.values())
        top = [t for t, v in score.items() if v == best]
        return top[0] if best > 0 and len(top) == 1 else None


class CentroidRouter:
    def __init__(self, train: dict[str, list[str]], minilm_dir: str = MINILM):
        from minilm import MiniLM
        self.enc = MiniLM(minilm_dir)
        self.tasks = list(train)
        c = torch.stack([self._embed(train[t]).mean(0) for t in self.tasks])
        self.cent = c / c.norm(dim=1, keepdim=True)

    def _embed(self, strings: list[str]) -> torch.Tensor:
        """Sentence embeddings [N, 384], already L2-normalised by MiniLM.encode."""
        return torch.cat([self.enc.encode(strings[i:i + 128])[2] for i in range(0, len(strings), 128)])

    def route_many(self, strings: list[str]) -> list[tuple[str, float, str, float]]:
        """-> per string (best task, its cosine, second task, its cosine)."""
        sims = self._embed(strings) @ self.cent.T
        v, i = sims.topk(2, dim=1)
        return [(self.tasks[a], float(x), self.tasks[b], float(y)) for (a, b), (x, y) in zip(i.tolist(), v.tolist())]


def routing_accuracy(tasks: list[str] | None = None, minilm_dir: str = MINILM, detail: bool = False):
    """-> {router: accuracy}, the mean over `tasks` of the fraction of each task's distinct held-out strings
    routed to it (every task is a candidate; the mean over tasks so that the parametric tasks' many filled-in
    strings do not outweigh the others); with detail, also the rows (task, string, keyword answer, centroid
    (task, cosine, next task, cosine))."""
    tasks = tasks or list(tw.TASKS)
    train = {t: sorted({s for s, _ in entries(t, "train")}) for t in tw.TASKS}
    held = [(t, s) for t in tasks for s in sorted({s for s, _ in entries(t, "heldout")})]
    kw = KeywordRouter(train)
    cr = CentroidRouter(train, minilm_dir)
    cen = cr.route_many([s for _, s in held])
    rows = [(t, s, kw.route(s), c) for (t, s), c in zip(held, cen)]
    def acc(pick):
        per = [sum(pick(r) == t for r in rows if r[0] == t) / sum(r[0] == t for r in rows) for t in tasks]
        return sum(per) / len(per)
    res = {"keyword": acc(lambda r: r[2]), "minilm-centroid": acc(lambda r: r[3][0])}
    return (res, rows) if detail else res


def main():
    res, rows = routing_accuracy(detail=True)
    for t, s, k, c in rows:
        flag = lambda ok: "ok  " if ok else "MISS"
        print(f"{t:14s} keyword {flag(k == t)} {str(k):14s} centroid {flag(c[0] == t)} {c[0]:14s} "
              f"({c[1]:.2f}; next {c[2]} {c[3]:.2f})  {s}")
    for r, v in res.items():
        print(f"route router={r} accuracy={v:.4f} tasks={len(tw.TASKS)} strings={len(rows)}")


if __name__ == "__main__":
    main()
