#!/usr/bin/env python3
"""Exports the paper profile's generator, Stable Diffusion 1.5 with IP-Adapter, to ONNX.

No public ONNX export of SD 1.5 with IP-Adapter exists: a plain UNet export has no image-prompt
cross-attention. This script, run once by the user (it needs the network, torch and diffusers;
a GPU is not needed), writes into OUT (default ./paper-models/sd15):

  tokenizer/tokenizer.json, tokenizer_config.json   the CLIP tokenizer (fast format)
  scheduler/scheduler_config.json                    SD 1.5's noise schedule
  text_encoder/model.onnx   input_ids [b,77] i32 → last_hidden_state [b,77,768]
  vae_decoder/model.onnx    latent_sample [b,4,h,w] → sample [b,3,8h,8w]

  unet_ip_adapter/model.onnx (+ external weight files)
      inputs  sample [b,4,h,w] f32, timestep [1] i64, encoder_hidden_states [b,77,768] f32,
              ip_tokens [b,4,768] f32 (the projected image prompt), ip_scale [1] f32 (λ)
      output  out_sample [b,4,h,w] f32
      The UNet of SD 1.5 with IP-Adapter's attention processors (ip-adapter_sd15): every
      cross-attention adds λ · attention over the 4 image-prompt tokens to the text's.
  ip_adapter/image_encoder.onnx   pixel_values [b,3,224,224] → image_embeds [b,1024] (CLIP ViT-H/14)
  ip_adapter/projection.onnx      image_embeds [b,1024] → ip_tokens [b,4,768] (Linear + LayerNorm)
  exports.json                    each file's sha256 and the resolved revisions used, which the
                                  harness checks the files against (--models-dir OUT/..)

Pins: IP-Adapter at a fixed commit of h94/IP-Adapter, and the two weight files it reads are
checked against their published sha256 before anything is exported; SD 1.5 from
stable-diffusion-v1-5/stable-diffusion-v1-5 at --sd-revision (no full commit of it could be read
where this was written), the commit it resolves to recorded in exports.json.

Pinned environment (what this was written against; NOT run where the harness was developed, which
has no access to the Hugging Face hub):
    python -m venv venv && . venv/bin/activate
    pip install torch==2.4.1 diffusers==0.30.3 transformers==4.44.2 onnx==1.16.2 huggingface_hub==0.24.7
    python tools/export/ip_adapter_unet.py --out paper-models/sd15 [--device cuda]

The files are float32: the harness's diffusion pipeline feeds float32 tensors.
"""
import argparse
import hashlib
import json
import os

import torch

SD_REPO = 'stable-diffusion-v1-5/stable-diffusion-v1-5'
IP_REPO = 'h94/IP-Adapter'
IP_REVISION = '018e402774aeeddd60609b4ecdb7e298259dc729'
IP_WEIGHTS = 'ip-adapter_sd15.bin'
# sha256 of the source weights, from the hub's Git LFS details.
IP_SOURCE_SHA256 = {
    'models/ip-adapter_sd15.bin': '68e1df30d760f280e578c302f1e73b37ea08654eff16a31153588047affe0058',
    'models/image_encoder/model.safetensors': '6ca9667da1ca9e0b0f75e46bb030f7e011f44f86cbfb8d5a36590fcd7507b030',
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


class UnetWithImagePrompt(torch.nn.Module):
    """The UNet taking the projected image-prompt tokens and λ as inputs."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet
        # The projection is exported on its own; the UNet gets its output directly, as diffusers'
        # process_encoder_hidden_states hands it to the attention processors: (text, [tokens]).
        self.unet.encoder_hid_proj = None
        self.unet.config.encoder_hid_dim_type = None

    def forward(self, sample, timestep, encoder_hidden_states, ip_tokens, ip_scale):
        for proc in self.unet.attn_processors.values():
            if hasattr(proc, 'to_k_ip'):
                proc.scale = [ip_scale]  # a tensor: λ stays an input of the graph
        out = self.unet(sample, timestep, encoder_hidden_states=(encoder_hidden_states, [ip_tokens]), return_dict=False)
        return out[0]


def export(module, args, names_in, names_out, dynamic, path, opset):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=names_in, output_names=names_out, dynamic_axes=dynamic, opset_version=opset, do_constant_folding=True)
    print(f'{path}: sha256 {sha256(path)}')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default='paper-models/sd15')
    p.add_argument('--sd-revision', default='main', help=f'revision of {SD_REPO} (the resolved commit is recorded)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--opset', type=int, default=17)
    a = p.parse_args()

    from diffusers import StableDiffusionPipeline
    from huggingface_hub import HfApi, hf_hub_download
    from transformers import CLIPTokenizerFast, CLIPVisionModelWithProjection

    api = HfApi()
    sd_commit = api.model_info(SD_REPO, revision=a.sd_revision).sha
    ip_commit = IP_REVISION
    for name, expected in IP_SOURCE_SHA256.items():
        got = sha256(hf_hub_download(IP_REPO, name, revision=ip_commit))
        if got != expected:
            raise SystemExit(f'error: {IP_REPO}@{ip_commit}/{name} has sha256 {got}, expected {expected}: not the pinned weights')
    dtype = torch.float32
    image_encoder = CLIPVisionModelWithProjection.from_pretrained(IP_REPO, subfolder='models/image_encoder', revision=ip_commit, torch_dtype=dtype)
    pipe = StableDiffusionPipeline.from_pretrained(SD_REPO, revision=sd_commit, torch_dtype=dtype, image_encoder=image_encoder, safety_checker=None)
    pipe.load_ip_adapter(IP_REPO, subfolder='models', weight_name=IP_WEIGHTS, revision=ip_commit)
    pipe.to(a.device)
    unet = pipe.unet.eval()
    projection = unet.encoder_hid_proj.image_projection_layers[0].eval()
    dev = a.device

    files = {}
    tok_dir = os.path.join(a.out, 'tokenizer')
    CLIPTokenizerFast.from_pretrained(SD_REPO, subfolder='tokenizer', revision=sd_commit).save_pretrained(tok_dir)
    files['sd15-tokenizer'] = os.path.join(tok_dir, 'tokenizer.json')
    files['sd15-tokenizer-config'] = os.path.join(tok_dir, 'tokenizer_config.json')
    pipe.scheduler.save_pretrained(os.path.join(a.out, 'scheduler'))
    files['sd15-scheduler-config'] = os.path.join(a.out, 'scheduler', 'scheduler_config.json')
    with torch.no_grad():
        class TextStates(torch.nn.Module):
            def __init__(self, enc):
                super().__init__()
                self.enc = enc

            def forward(self, input_ids):
                return self.enc(input_ids.to(torch.int64))[0]

        path = os.path.join(a.out, 'text_encoder', 'model.onnx')
        export(TextStates(pipe.text_encoder.eval()), (torch.zeros(1, 77, dtype=torch.int32, device=dev),), ['input_ids'], ['last_hidden_state'],
               {'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'last_hidden_state': {0: 'batch_size', 1: 'sequence_length'}}, path, a.opset)
        files['sd15-text-encoder'] = path

        class VaeDecode(torch.nn.Module):
            def __init__(self, vae):
                super().__init__()
                self.vae = vae

            def forward(self, latent_sample):
                return self.vae.decode(latent_sample, return_dict=False)[0]

        path = os.path.join(a.out, 'vae_decoder', 'model.onnx')
        export(VaeDecode(pipe.vae.eval()), (torch.zeros(1, 4, 64, 64, dtype=dtype, device=dev),), ['latent_sample'], ['sample'],
               {'latent_sample': {0: 'batch_size', 2: 'latent_height', 3: 'latent_width'}, 'sample': {0: 'batch_size', 2: 'height', 3: 'width'}}, path, a.opset)
        files['sd15-vae-decoder'] = path

        path = os.path.join(a.out, 'ip_adapter', 'image_encoder.onnx')

        class ImageEmbeds(torch.nn.Module):
            def __init__(self, enc):
                super().__init__()
                self.enc = enc

            def forward(self, pixel_values):
                return self.enc(pixel_values).image_embeds

        export(ImageEmbeds(image_encoder.eval()), (torch.zeros(1, 3, 224, 224, dtype=dtype, device=dev),), ['pixel_values'], ['image_embeds'],
               {'pixel_values': {0: 'batch_size'}, 'image_embeds': {0: 'batch_size'}}, path, a.opset)
        files['ip-adapter-image-encoder'] = path

        path = os.path.join(a.out, 'ip_adapter', 'projection.onnx')
        export(projection, (torch.zeros(1, 1024, dtype=dtype, device=dev),), ['image_embeds'], ['ip_tokens'],
               {'image_embeds': {0: 'batch_size'}, 'ip_tokens': {0: 'batch_size'}}, path, a.opset)
        files['ip-adapter-projection'] = path

        path = os.path.join(a.out, 'unet_ip_adapter', 'model.onnx')
        args = (torch.zeros(1, 4, 64, 64, dtype=dtype, device=dev), torch.tensor([999], dtype=torch.int64, device=dev),
                torch.zeros(1, 77, 768, dtype=dtype, device=dev), torch.zeros(1, 4, 768, dtype=dtype, device=dev),
                torch.ones(1, dtype=dtype, device=dev))
        export(UnetWithImagePrompt(unet), args, ['sample', 'timestep', 'encoder_hidden_states', 'ip_tokens', 'ip_scale'], ['out_sample'],
               {'sample': {0: 'batch_size', 2: 'height', 3: 'width'}, 'encoder_hidden_states': {0: 'batch_size', 1: 'sequence_length'},
                'ip_tokens': {0: 'batch_size'}, 'out_sample': {0: 'batch_size', 2: 'height', 3: 'width'}}, path, a.opset)
        files['sd15-unet-ip-adapter'] = path

    root = os.path.dirname(os.path.abspath(a.out))
    manifest = {
        'note': 'written by tools/export/ip_adapter_unet.py',
        'sources': {'sd': f'{SD_REPO}@{sd_commit}', 'ip_adapter': f'{IP_REPO}@{ip_commit}/models/{IP_WEIGHTS}', 'dtype': str(dtype),
                    'torch': torch.__version__, 'diffusers': __import__('diffusers').__version__},
        'models': {k: {'path': os.path.relpath(os.path.abspath(v), root), 'sha256': sha256(v)} for k, v in files.items()},
    }
    with open(os.path.join(root, 'exports.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.join(root, "exports.json")}: point the harness at --models-dir {root}')


if __name__ == '__main__':
    main()
