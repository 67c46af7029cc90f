"""Tests of Training/convert_official.py on a FAKE official release (tiny random weights in the official
layouts, Training/fixtures/fake_official.py). Run: python -m pytest -q Training/test_convert_official.py"""
from __future__ import annotations

import json
import os
import sys

import pytest
import torch
from safetensors import safe_open

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, os.path.join(HERE, "fixtures"))
import convert_official as conv  # noqa: E402
import fake_official  # noqa: E402
import pixwizard_ref as ref  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return fake_official.make_fake_release(str(tmp_path_factory.mktemp("release")))


def run(release, out, dtype="fp16"):
    return conv.convert(release["ckpt"], release["model_args"], release["gemma"], release["clip"], release["vae"],
                        str(out), dtype)


def read_all(path):
    with safe_open(path, "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def test_official_key_table_matches_the_reference_at_2b():
    with torch.device("meta"):
        m = ref.PixWizardDiT(**ref.OFFICIAL_2B)
    got = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    want = conv.dit_expected(dict(ref.OFFICIAL_2B))
    assert got == want
    assert sum(int(torch.tensor(s).prod()) if s else 1 for s in want.values()) == 2_011_441_976


@pytest.mark.parametrize("dtype", ["fp32", "fp16", "bf16"])
def test_convert_each_dtype(release, tmp_path, dtype):
    cfg = run(release, tmp_path, dtype)
    assert cfg["family"] == "pixwizard-official"
    assert set(cfg["dit"]) == set(ref.CONFIG_KEYS)
    assert cfg["dit"] == fake_official.TINY_DIT
    assert cfg["gemma"]["feature_layers"] == 2 and cfg["gemma"]["num_hidden_layers"] == 3
    dit = read_all(str(tmp_path / "dit.safetensors"))
    src = torch.load(release["ckpt"], weights_only=True)
    want = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}
    assert set(dit) == set(src)
    for k, v in dit.items():
        assert want[v.dtype] == dtype
        assert torch.equal(v.float(), src[k].to(v.dtype).float()), k
    gemma = read_all(str(tmp_path / "gemma.safetensors"))
    assert "embed_tokens.weight" in gemma and not any(k.startswith("model.") for k in gemma)
    assert not any(k.startswith("layers.2.") for k in gemma) and "norm.weight" not in gemma
    vis = read_all(str(tmp_path / "clip_vision.safetensors"))
    assert "vision_model.post_layernorm.weight" not in vis
    assert os.path.exists(tmp_path / "tokenizer" / "gemma" / "tokenizer.json")
    assert os.path.exists(tmp_path / "tokenizer" / "clip" / "merges.txt")
    with open(tmp_path / "config.json", encoding="utf-8") as fh:
        assert json.load(fh)["dtype"] == dtype


def corrupt_ckpt(release, tmp_path, edit):
    sd = torch.load(release["ckpt"], weights_only=True)
    edit(sd)
    p = str(tmp_path / "bad.pth")
    torch.save(sd, p)
    return dict(release, ckpt=p)


def test_missing_key_is_named(release, tmp_path):
    bad = corrupt_ckpt(release, tmp_path, lambda sd: sd.pop("layers.1.attention.wk_ii.weight"))
    with pytest.raises(conv.ConversionError, match=r"missing keys .*layers\.1\.attention\.wk_ii\.weight"):
        run(bad, tmp_path / "out")


def test_unexpected_key_is_named(release, tmp_path):
    bad = corrupt_ckpt(release, tmp_path, lambda sd: sd.__setitem__("layers.0.extra.weight", torch.zeros(3)))
    with pytest.raises(conv.ConversionError, match=r"unexpected keys .*layers\.0\.extra\.weight"):
        run(bad, tmp_path / "out")


def test_wrong_shape_is_named(release, tmp_path):
    def edit(sd):
        sd["layers.0.attention.gate_for_ii"] = torch.zeros(3)
    bad = corrupt_ckpt(release, tmp_path, edit)
    with pytest.raises(conv.ConversionError, match=r"gate_for_ii"):
        run(bad, tmp_path / "out")


def test_command_line_reports_errors(release, tmp_path, capsys):
    rc = conv.main(["--ckpt", release["ckpt"], "--model-args", release["model_args"], "--gemma", release["gemma"],
                    "--clip", str(tmp_path), "--vae", release["vae"], "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "clip" in capsys.readouterr().err
