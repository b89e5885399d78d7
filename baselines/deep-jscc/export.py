"""Export trained deep JSCC checkpoints to ONNX for the harness, with the manifest and fixtures.

    /usr/bin/python3 baselines/deep-jscc/export.py baselines/deep-jscc/checkpoints/c16-snr19.pt [...]

For each checkpoint <name>.pt: models/<name>.encoder.onnx (image [1,3,H,W] in [0,1], H and W
multiples of 4 -> symbols [1,c,H/4,W/4]) and models/<name>.decoder.onnx (symbols -> image), their
sha256 and size and the training config and log in models/manifest.json (read by the harness's
model registry), and test/fixtures/deep-jscc/<name>.json: a fixed input and PyTorch's outputs,
which the harness's tests compare with ONNX Runtime's.
"""
import hashlib
import json
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from model import DeepJSCC  # noqa: E402

models_dir = os.path.join(here, 'models')
fixtures_dir = os.path.join(here, '..', '..', 'test', 'fixtures', 'deep-jscc')


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def export_one(ckpt_path, allow_unfinished):
    ckpt = torch.load(ckpt_path)
    config, state = ckpt['config'], ckpt['state']
    if state['step'] != config['steps'] and not allow_unfinished:
        sys.exit(f'error: {ckpt_path} stopped at step {state["step"]} of {config["steps"]}: finish training, '
                 'or pass --allow-unfinished to export it as it is (the manifest then says so)')
    c, snr = config['c'], config['snr']
    name = f'c{c}-snr{snr:g}'
    net = DeepJSCC(c)
    net.load_state_dict(ckpt['model'])
    net.eval()
    files = {}
    for part, module, inp, out, axes in (
        ('encoder', net.encoder, torch.rand(1, 3, 32, 48), 'symbols', {2: 'h', 3: 'w'}),
        ('decoder', net.decoder, torch.randn(1, c, 8, 12), 'image', {2: 'h4', 3: 'w4'}),
    ):
        in_name = 'image' if part == 'encoder' else 'symbols'
        out_axes = {2: 'h4', 3: 'w4'} if part == 'encoder' else {2: 'h', 3: 'w'}
        path = os.path.join(models_dir, f'{name}.{part}.onnx')
        torch.onnx.export(module, inp, path, input_names=[in_name], output_names=[out], opset_version=13,
                          dynamic_axes={in_name: axes, out: out_axes})
        files[part] = {'file': os.path.basename(path), 'sha256': sha256(path), 'size': os.path.getsize(path)}
    # Fixture: a seeded image and seeded received symbols, with PyTorch's outputs.
    g = torch.Generator().manual_seed(7)
    image = torch.rand(1, 3, 12, 16, generator=g)
    symbols = torch.randn(1, c, 3, 4, generator=g)
    with torch.no_grad():
        encoded = net.encoder(image)
        decoded = net.decoder(symbols)
    os.makedirs(fixtures_dir, exist_ok=True)
    with open(os.path.join(fixtures_dir, f'{name}.json'), 'w') as f:
        json.dump({'model': name, 'torch': torch.__version__,
                   'image': {'dims': list(image.shape), 'data': image.flatten().tolist()},
                   'encoded': {'dims': list(encoded.shape), 'data': encoded.flatten().tolist()},
                   'symbols': {'dims': list(symbols.shape), 'data': symbols.flatten().tolist()},
                   'decoded': {'dims': list(decoded.shape), 'data': decoded.flatten().tolist()}}, f)
    final = state['log'][-1]
    training = {k: config[k] for k in ('steps', 'batch', 'crop', 'lr', 'lr_final', 'seed')}
    if state['step'] != config['steps']:
        training['stopped_at_step'] = state['step']
    if config.get('init'):
        training['init'] = os.path.basename(config['init'])
    training.update({'data': 'BSDS500 train+val (300 images)', 'seconds': final['seconds'],
                     'bsds_test_psnr_db': round(final['test_psnr'], 2), 'bsds_test_images': final['test_images']})
    return {'name': name, 'c': c, 'trainSnrDb': snr, **files, 'training': training}


def main():
    args = [a for a in sys.argv[1:] if a != '--allow-unfinished']
    if not args:
        sys.exit(__doc__)
    manifest_path = os.path.join(models_dir, 'manifest.json')
    with open(manifest_path) as f:
        manifest = json.load(f)
    by_name = {m['name']: m for m in manifest['models']}
    for ckpt in args:
        entry = export_one(ckpt, allow_unfinished=len(args) != len(sys.argv) - 1)
        by_name[entry['name']] = entry
        print(entry['name'], entry['encoder']['size'] + entry['decoder']['size'], 'B', entry['training'])
    manifest['models'] = sorted(by_name.values(), key=lambda m: (m['c'], -m['trainSnrDb']))
    with open(manifest_path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
