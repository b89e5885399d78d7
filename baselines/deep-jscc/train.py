"""Train one deep JSCC model on BSDS500 (train + val; never Kodak or VOC).

Offline tooling, not part of the harness: Debian's python3-torch on the CPU (or CUDA when one is
there). Seeded: the same command gives the same weights on the same torch build and device.

    /usr/bin/python3 baselines/deep-jscc/train.py --c 16 --snr 19 --steps 12000 \
        --data ../shared/datasets/bsds500 --out baselines/deep-jscc/checkpoints/c16-snr19.pt

Writes a checkpoint (weights, config, log) every --eval-every steps and resumes from it when
the same --out exists, so an interrupted run continues where it stopped.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DeepJSCC, awgn  # noqa: E402


def load_folder(folder):
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(('.jpg', '.png')))
    if not names:
        sys.exit(f'error: no .jpg/.png images in {folder}: point --data at the BSDS500 folder (train/, val/, test/)')
    return [torch.from_numpy(np.asarray(Image.open(os.path.join(folder, n)).convert('RGB')).copy()).permute(2, 0, 1)
            for n in names]


def random_batch(images, size, batch, rng):
    out = torch.empty(batch, 3, size, size, dtype=torch.uint8)
    for b in range(batch):
        img = images[rng.integers(len(images))]
        _, h, w = img.shape
        top, left = rng.integers(h - size + 1), rng.integers(w - size + 1)
        crop = img[:, top:top + size, left:left + size]
        if rng.random() < 0.5:
            crop = crop.flip(2)
        if rng.random() < 0.5:
            crop = crop.flip(1)
        out[b] = crop
    return out.float() / 255


def pad_to_multiple(x, m=4):
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    return torch.nn.functional.pad(x, (0, pw, 0, ph), mode='replicate') if ph or pw else x


@torch.no_grad()
def evaluate(net, images, snr_db, seed):
    """Mean PSNR (8-bit output, like the harness) over whole images at the training SNR."""
    net.eval()
    gen = torch.Generator().manual_seed(seed)
    psnrs = []
    for img in images:
        x = img.float().unsqueeze(0) / 255
        h, w = x.shape[-2:]
        z = net.encoder(pad_to_multiple(x))
        noisy = z + math.sqrt(10 ** (-snr_db / 10) / 2) * torch.randn(z.shape, generator=gen)
        y = net.decoder(noisy)[..., :h, :w]
        y8 = torch.round(y * 255).clamp(0, 255)
        mse = (y8 - img.float()).pow(2).mean().item()
        psnrs.append(10 * math.log10(255 ** 2 / mse))
    net.train()
    return float(np.mean(psnrs))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--c', type=int, default=16, help='channels of the last encoder layer; k/n = c/96')
    p.add_argument('--snr', type=float, required=True, help='training SNR (dB), Es/N0 per complex symbol')
    p.add_argument('--steps', type=int, default=12000)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--crop', type=int, default=96)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--lr-final', type=float, default=1e-4, help='cosine decay from --lr to this')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--eval-every', type=int, default=1000)
    p.add_argument('--eval-images', type=int, default=40, help='BSDS test images used at each log point')
    p.add_argument('--init', help='start from this checkpoint\'s weights (e.g. the other SNR\'s model)')
    p.add_argument('--threads', type=int, default=os.cpu_count())
    p.add_argument('--data', required=True, help='BSDS500 folder with train/, val/, test/')
    p.add_argument('--out', required=True, help='checkpoint path (.pt); resumed when it exists')
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train = load_folder(os.path.join(a.data, 'train')) + load_folder(os.path.join(a.data, 'val'))
    test = load_folder(os.path.join(a.data, 'test'))
    net = DeepJSCC(a.c)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    config = {k: v for k, v in vars(a).items() if k not in ('threads', 'out')}
    state = {'step': 0, 'log': [], 'seconds': 0.0}
    if os.path.exists(a.out):
        ckpt = torch.load(a.out)
        if ckpt['config'] != config:
            sys.exit(f'error: {a.out} was trained with another config; delete it or change --out')
        net.load_state_dict(ckpt['model'])
        opt.load_state_dict(ckpt['optimizer'])
        state = ckpt['state']
        print(f'resumed at step {state["step"]}', flush=True)
    elif a.init:
        net.load_state_dict(torch.load(a.init)['model'])
    # The crop stream is keyed by (seed, step) so a resumed run draws what an uninterrupted one would.
    started = time.time() - state['seconds']
    running = []
    while state['step'] < a.steps:
        step = state['step']
        rng = np.random.default_rng([a.seed, step])
        torch.manual_seed(a.seed * 1_000_003 + step)
        lr = a.lr_final + 0.5 * (a.lr - a.lr_final) * (1 + math.cos(math.pi * step / a.steps))
        for group in opt.param_groups:
            group['lr'] = lr
        x = random_batch(train, a.crop, a.batch, rng)
        loss = torch.nn.functional.mse_loss(net(x, a.snr), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.append(loss.item())
        state['step'] = step + 1
        if state['step'] % a.eval_every == 0 or state['step'] == a.steps:
            full = state['step'] == a.steps
            images = test if full else test[:a.eval_images]
            psnr = evaluate(net, images, a.snr, seed=1234)
            state['seconds'] = time.time() - started
            entry = {'step': state['step'], 'train_psnr': 10 * math.log10(1 / np.mean(running)),
                     'test_psnr': psnr, 'test_images': len(images), 'lr': lr, 'seconds': round(state['seconds'], 1)}
            state['log'].append(entry)
            running = []
            print(json.dumps(entry), flush=True)
            tmp = a.out + '.tmp'
            torch.save({'model': net.state_dict(), 'optimizer': opt.state_dict(), 'config': config, 'state': state}, tmp)
            os.replace(tmp, a.out)


if __name__ == '__main__':
    main()
