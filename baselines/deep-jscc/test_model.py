"""Shape and channel checks of model.py: /usr/bin/python3 baselines/deep-jscc/test_model.py"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DeepJSCC, awgn, power_normalize  # noqa: E402

torch.manual_seed(0)
for c in (8, 16):
    net = DeepJSCC(c)
    x = torch.rand(2, 3, 68, 92)
    z = net.encoder(x)
    assert z.shape == (2, c, 17, 23), z.shape
    k, n = z[0].numel() / 2, x[0].numel()
    assert abs(k / n - c / 96) < 1e-12, (k, n)
    energy = z.flatten(1).pow(2).sum(1) / k
    assert torch.allclose(energy, torch.ones(2), atol=1e-5), energy
    y = net.decoder(z)
    assert y.shape == x.shape and y.min() >= 0 and y.max() <= 1

z = power_normalize(torch.randn(1, 16, 200, 200))
for snr in (-3.0, 7.0, 19.0):
    noise = awgn(z, snr) - z
    per_complex = noise.pow(2).sum().item() / (z.numel() / 2)
    expected = 10 ** (-snr / 10)
    assert abs(per_complex / expected - 1) < 0.01, (snr, per_complex, expected)
    measured_snr = 10 * math.log10(1 / per_complex)
    assert abs(measured_snr - snr) < 0.05
print('model checks OK')
