"""Checks of the PyTorch reference itself (pytest). Fast: tiny configs, one thread."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import pixwizard_ref as ref  # noqa: E402

torch.set_num_threads(1)

TINY = dict(patch_size=2, in_channels=4, dim=64, n_layers=2, n_heads=4, n_kv_heads=2, multiple_of=16,
            ffn_dim_multiplier=None, norm_eps=1e-5, learn_sigma=True, qk_norm=True, cap_feat_dim=24,
            clip_text_dim=20, image_feat_dim=28, image_tokens=12, sample_tokens=5, rope_theta=10000.0,
            cfg_channels=3)


def inputs(B=3, H=8, W=6, L=7, g=None):
    g = g or torch.Generator().manual_seed(1)
    x = torch.randn(B, 4, H, W, generator=g)
    cond = torch.randn(B, 4, H, W, generator=g)
    t = torch.rand(B, generator=g)
    text = torch.randn(B, L, 24, generator=g)
    mask = torch.ones(B, L, dtype=torch.bool)
    mask[1, 3:] = False
    task = torch.randn(B, 20, generator=g)
    img = torch.randn(B, 12, 28, generator=g)
    img[2] = 0
    return x, t, cond, text, mask, task, img


def test_official_param_count_and_keys():
    assert ref.count_parameters(ref.OFFICIAL_2B) == 2_011_441_976
    with torch.device("meta"):
        m = ref.PixWizardDiT(**ref.OFFICIAL_2B)
    sd = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert sd["x_embedder.weight"] == (2304, 32)
    assert sd["layers.23.attention.wk_y.weight"] == (576, 2048)
    assert sd["layers.0.adaLN_modulation.1.weight"] == (9216, 1024)
    assert sd["layers.0.out_conv.4.weight"] == (1, 576)
    assert sd["layers.0.feed_forward.w1.weight"] == (6144, 2304)
    assert sd["final_layer.linear.weight"] == (32, 2304)
    assert sd["pad_token"] == (2304,)


def test_sample_tokens_zero_removes_modules():
    m = ref.PixWizardDiT(**{**TINY, "sample_tokens": 0})
    keys = m.state_dict().keys()
    assert not any("wk_ii" in k or "in_conv" in k or "gate_for_ii" in k for k in keys)
    m.init_weights("live", torch.Generator().manual_seed(0))
    out = m(*inputs())
    assert out.shape == (3, 8, 8, 6)


def test_forward_batched_equals_single_and_grad():
    m = ref.PixWizardDiT(**TINY)
    m.init_weights("live", torch.Generator().manual_seed(0))
    m.eval()
    x, t, cond, text, mask, task, img = inputs()
    with torch.no_grad():
        full = m(x, t, cond, text, mask, task, img)
        for b in range(3):
            one = m(x[b:b + 1], t[b:b + 1], cond[b:b + 1], text[b:b + 1], mask[b:b + 1], task[b:b + 1], img[b:b + 1])
            assert torch.allclose(one, full[b:b + 1], atol=1e-5)
    # the dropped element's image cross-attention contributes nothing: changing its sampler weights does nothing
    m.train()
    out = m(x, t, cond, text, mask, task, img)
    out[:, :4].square().mean().backward()
    assert m.layers[0].out_conv[4].weight.grad is not None and m.layers[0].out_conv[4].weight.grad.abs().sum() > 0
    assert m.layers[1].attention.gate_for_ii.grad.abs().sum() > 0


def test_official_init_trains():
    m = ref.PixWizardDiT(**TINY)
    x, t, cond, text, mask, task, img = inputs()
    out = m(x, t, cond, text, mask, task, img)
    assert torch.all(out == 0)  # zero-initialised final layer
    out.sum().backward()
    assert m.final_layer.linear.weight.grad.abs().sum() > 0


def test_gumbel_seeded():
    m = ref.PixWizardDiT(**TINY)
    m.init_weights("live", torch.Generator().manual_seed(0))
    m.eval()
    a = inputs()
    with torch.no_grad():
        o1 = m(*a, selection="gumbel", generator=torch.Generator().manual_seed(5))
        o2 = m(*a, selection="gumbel", generator=torch.Generator().manual_seed(5))
    assert torch.equal(o1, o2)


def test_shortcut_equals_three_branch():
    m = ref.PixWizardDiT(**TINY)
    m.init_weights("live", torch.Generator().manual_seed(0))
    m.eval()
    g = torch.Generator().manual_seed(3)
    c = ref.Conditioning(torch.randn(1, 4, 8, 6, generator=g), torch.randn(1, 7, 24, generator=g),
                         torch.ones(1, 7, dtype=torch.bool), torch.randn(1, 20, generator=g),
                         torch.randn(1, 2, 24, generator=g), torch.ones(1, 2, dtype=torch.bool),
                         torch.randn(1, 20, generator=g), torch.randn(1, 12, 28, generator=g))
    noise = torch.randn(1, 4, 8, 6, generator=g)
    for solver in ("euler", "midpoint"):
        a = ref.sample(m, noise, c, 4, 4.0, 1.0, solver=solver, shortcut=True)
        b = ref.sample(m, noise, c, 4, 4.0, 1.0, solver=solver, shortcut=False)
        err = (a - b).abs().max() / b.abs().max()
        print(f"shortcut vs three-branch {solver}: normalised error {err:.2e}")
        assert err < 1e-5


def test_timesteps():
    t = ref.timesteps(59)
    assert t.shape == (60,) and t[0] == 0 and t[-1] == 1
    s = ref.timesteps(4, 3.0)
    assert abs(float(s[2]) - 0.5 / (0.5 + 3 - 1.5)) < 1e-7
