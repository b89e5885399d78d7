"""Deep JSCC (Bourtsoulatze, Kurka, Gunduz, ICASSP 2019) as the harness runs it.

Encoder: 5x5 convolutions with PReLU, 16 filters stride 2, 32 stride 2, 32, 32, then c filters,
and a power normalisation to unit average energy per complex symbol. An H x W x 3 image becomes
c x H/4 x W/4 reals, read in NCHW order as (I, Q) pairs: k = c*H*W/32 complex symbols for
n = 3*H*W source values, so k/n = c/96. The decoder mirrors the encoder with transposed
convolutions and ends in a sigmoid. Pixel values are in [0, 1] on both sides.

The channel is the harness's (bench/phy/snr.ts, DESIGN.md): SNR = Es/N0 per complex symbol with
Es = 1, so each real component gets noise of variance 1/(2*SNR). Getting this factor 2 wrong
(real noise at the full variance) costs 3 dB at train time and is tested in test_model.py.
"""
import math

import torch
from torch import nn


def conv(cin, cout, stride):
    return nn.Conv2d(cin, cout, 5, stride=stride, padding=2)


def deconv(cin, cout, stride):
    # output_padding makes a stride-2 layer exactly invert the encoder's H -> H/2 for even H.
    return nn.ConvTranspose2d(cin, cout, 5, stride=stride, padding=2, output_padding=stride - 1)


def power_normalize(z):
    """Scale each image's reals so that the mean energy per complex symbol (pair of reals) is 1:
    E|s|^2 = 2 * mean(z^2). Written without shape arithmetic so that the ONNX graph keeps H, W dynamic."""
    mean_square = z.pow(2).mean(dim=(1, 2, 3), keepdim=True)
    return z * torch.rsqrt(2 * mean_square)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.Sequential(
            conv(3, 16, 2), nn.PReLU(16),
            conv(16, 32, 2), nn.PReLU(32),
            conv(32, 32, 1), nn.PReLU(32),
            conv(32, 32, 1), nn.PReLU(32),
            conv(32, c, 1), nn.PReLU(c),
        )

    def forward(self, image):
        return power_normalize(self.layers(image))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.Sequential(
            deconv(c, 32, 1), nn.PReLU(32),
            deconv(32, 32, 1), nn.PReLU(32),
            deconv(32, 32, 1), nn.PReLU(32),
            deconv(32, 16, 2), nn.PReLU(16),
            deconv(16, 3, 2), nn.Sigmoid(),
        )

    def forward(self, symbols):
        return self.layers(symbols)


def noise_sigma_per_component(snr_db):
    return math.sqrt(10 ** (-snr_db / 10) / 2)


def awgn(z, snr_db, generator=None):
    noise = torch.randn(z.shape, generator=generator, dtype=z.dtype, device=z.device)
    return z + noise_sigma_per_component(snr_db) * noise


class DeepJSCC(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)

    def forward(self, image, snr_db):
        return self.decoder(awgn(self.encoder(image), snr_db))
