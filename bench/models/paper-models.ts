import type { ImageInputSpec, ModelEntry, ModelSource, TensorSpec } from './registry';

/**
 * The letter's models (the paper profile), pinned to a commit of the repository that serves them;
 * Stable Diffusion 1.5 with IP-Adapter is exported by the user (tools/export/ip_adapter_unet.py:
 * no public ONNX export has the image-prompt attention, and none of the SD 1.5 ONNX repositories
 * had a full revision and hashes we could read), checked against the exports.json it writes.
 * Where a file is in Git LFS and we read its pointer (or the hub's "Git LFS details"), its sha256
 * (and size, where the page gave bytes) is pinned too; a small file outside LFS has no published
 * hash: the commit fixes its content and `models fetch` records the hash it downloaded
 * (store.ts). None of these files could be downloaded where this harness was developed: their
 * contracts are those of the public exports as far as the exporters' code and the hub's pages
 * tell, checked against the real files only on a user's machine, at load (one line on mismatch).
 */

const NANOLLAVA = { repo: 'Xenova/nanoLLaVA', revision: '603bc229a62947d8bec61d84057cc0650ce6bdbc' };
const BART_SPELLING = { repo: 'oliverguhr/spelling-correction-english-base', revision: '0e3958355a09d2816ed2701fdc2f4471d46c320e' };
const ONNX_MODEL_ZOO = { repo: 'onnx/models', revision: '4c46cd00fbdb7cd30b6c1c17ab54f2e1f4f7b177' };

/** File suffix of each weight variant in the transformers.js layout (onnx/<name><suffix>.onnx). */
const DTYPE_SUFFIX = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' } as const;
type Dtype = keyof typeof DTYPE_SUFFIX;

/** sha256 (and bytes, where known) of nanoLLaVA's graphs at the pinned revision, from the hub's LFS details. */
const NANOLLAVA_FILES: Record<'vision_encoder' | 'embed_tokens' | 'decoder_model_merged', Record<Dtype, { sha256: string; size?: number }>> = {
  vision_encoder: {
    fp32: { sha256: '41ce2aaa5515effa861458475e7b743d5d0db5feedbdf92a7676ed015a76d82f' },
    fp16: { sha256: '447eee3d7ab2d6e741db4eda9ade77d3ba28aae761590f6e12bac73ee60bfbcb' },
    q8: { sha256: '5a80e2ff3f3565cff2be7668bb4d35975d3aa7ae2c673ae6069fd90ce756742c' },
    q4: { sha256: 'eca15489472139da3fd05d478962776f007a03b855f569f4201c17ac9301a428' },
  },
  embed_tokens: {
    fp32: { sha256: 'd2acef888decc296e4e1fda21bc57f16f3cf6df2d7586831fcfa55611700b730' },
    fp16: { sha256: '72408df178267828c09bd10e785a89ab131a7fb3ae1e12253fcc05187ef869b5' },
    q8: { sha256: '47ffe12f68b97d993c094e73c1dc32651594f52c03eda3ee850ef6eb93d43f67' },
    q4: { sha256: 'd46ef96664f29ac92b0e8cb708a5e7c43b5cb02064850a6b186161306ce22e85' },
  },
  decoder_model_merged: {
    fp32: { sha256: '74ad520fd8a1021a5f56844d42892052f9a013f248ce1d3d25de327dc7b3fd80' },
    fp16: { sha256: '26ebcb5569832783797de347f59ab2b55d30a6ab18aa21501ed2fd0da04f7c84' },
    q8: { sha256: '5eddb33de046ceabef9072b55b203cf3065a654e62a6d07efc5dbc96d4561dfc', size: 484413840 },
    q4: { sha256: 'aee6b80f089368d33778243e3396438ef207207aff9bc0bfa7baf39eb6eb38f2' },
  },
};

/** Approximate bytes of each graph (the hub's rounded sizes), for the download estimate only. */
export const NANOLLAVA_APPROX_BYTES: Record<keyof typeof NANOLLAVA_FILES, Record<Dtype, number>> = {
  vision_encoder: { fp32: 1.6e9, fp16: 801e6, q8: 402e6, q4: 257e6 },
  embed_tokens: { fp32: 622e6, fp16: 311e6, q8: 156e6, q4: 622e6 },
  decoder_model_merged: { fp32: 1.87e9, fp16: 937e6, q8: 484e6, q4: 308e6 },
};

/** Decoder layers of Qwen1.5-0.5B: one past key and value per layer. */
export const NANOLLAVA_LAYERS = 24;
/** BART-base decoder layers. */
export const BART_DECODER_LAYERS = 6;

/** CLIPImageProcessor: shorter side to 224 (bicubic), the middle 224×224, CLIP's mean and std. */
export const CLIP_224_INPUT: ImageInputSpec = {
  channels: 'RGB',
  mean: [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
  std: [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
  size: { width: 224, height: 224, fit: 'center-crop', kernel: 'cubic' },
};

const hf = (at: { repo: string; revision: string }, file: string, sha256: string | null, size?: number): Extract<ModelSource, { kind: 'hf' }> => ({
  kind: 'hf',
  repo: at.repo,
  revision: at.revision,
  file,
  sha256,
  ...(size !== undefined ? { size } : {}),
});

const f32 = (name: string, shape: (number | string)[], optional = false): TensorSpec => ({ name, type: 'float32', shape, ...(optional ? { optional } : {}) });
const i64 = (name: string, shape: (number | string)[], optional = false): TensorSpec => ({ name, type: 'int64', shape, ...(optional ? { optional } : {}) });

/** past_key_values.{i}.key/value (or present.*), in the exporters' order. */
export function keyValueSpecs(prefix: 'past_key_values' | 'present', layers: number, parts: string[], seq: string): TensorSpec[] {
  return Array.from({ length: layers }, (_, i) => parts.flatMap((p) => ['key', 'value'].map((kv) => f32(`${prefix}.${i}${p}.${kv}`, ['batch', 'heads', seq, 'head_dim'])))).flat();
}

const NANOLLAVA_COMMON = {
  profiles: ['paper' as const],
  license: 'Apache-2.0 (nanoLLaVA; Qwen1.5 research license terms apply to the language model)',
  citation: 'qnguyen3/nanoLLaVA (Qwen1.5-0.5B + SigLIP-so400m), ONNX export Xenova/nanoLLaVA',
};

function nanollavaGraphs(dtype: Dtype): ModelEntry[] {
  const file = (name: keyof typeof NANOLLAVA_FILES) => `onnx/${name}${DTYPE_SUFFIX[dtype]}.onnx`;
  const source = (name: keyof typeof NANOLLAVA_FILES) => [hf(NANOLLAVA, file(name), NANOLLAVA_FILES[name][dtype].sha256, NANOLLAVA_FILES[name][dtype].size)];
  return [
    {
      ...NANOLLAVA_COMMON,
      id: `nanollava-vision-encoder-${dtype}`,
      dtype,
      role: 'captioner',
      fileName: `vision_encoder${DTYPE_SUFFIX[dtype]}.onnx`,
      description: `nanoLLaVA vision tower (SigLIP-so400m/14 at 384) and projector, ${dtype}: 729 image tokens in the text model's width`,
      inputs: [f32('pixel_values', ['batch', 3, 384, 384])],
      outputs: [f32('image_features', ['batch', 'image_tokens', 'hidden'])],
      // SiglipImageProcessor: straight resize to 384×384 (bicubic), (x/255 − 0.5)/0.5.
      imageInput: { channels: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], size: { width: 384, height: 384, fit: 'fill', kernel: 'cubic' } },
      sources: source('vision_encoder'),
      approxBytes: NANOLLAVA_APPROX_BYTES.vision_encoder[dtype],
    },
    {
      ...NANOLLAVA_COMMON,
      id: `nanollava-embed-tokens-${dtype}`,
      dtype,
      role: 'captioner',
      fileName: `embed_tokens${DTYPE_SUFFIX[dtype]}.onnx`,
      description: `nanoLLaVA token embeddings (Qwen1.5-0.5B), ${dtype}`,
      inputs: [i64('input_ids', ['batch', 'seq'])],
      outputs: [f32('inputs_embeds', ['batch', 'seq', 'hidden'])],
      sources: source('embed_tokens'),
      approxBytes: NANOLLAVA_APPROX_BYTES.embed_tokens[dtype],
    },
    {
      ...NANOLLAVA_COMMON,
      id: `nanollava-decoder-${dtype}`,
      dtype,
      role: 'captioner',
      fileName: `decoder_model_merged${DTYPE_SUFFIX[dtype]}.onnx`,
      description: `nanoLLaVA language model (Qwen1.5-0.5B, ${NANOLLAVA_LAYERS} layers) with key/value cache, ${dtype}`,
      inputs: [
        f32('inputs_embeds', ['batch', 'seq', 'hidden']),
        i64('attention_mask', ['batch', 'total']),
        // transformers.js feeds position_ids only when the export has it: so does this harness.
        i64('position_ids', ['batch', 'seq'], true),
        ...keyValueSpecs('past_key_values', NANOLLAVA_LAYERS, [''], 'past'),
      ],
      outputs: [f32('logits', ['batch', 'seq', 'vocab']), ...keyValueSpecs('present', NANOLLAVA_LAYERS, [''], 'total')],
      sources: source('decoder_model_merged'),
      approxBytes: NANOLLAVA_APPROX_BYTES.decoder_model_merged[dtype],
      notes: 'the position_ids input is fed when present; whether the fp16/q4 exports take float16 key/values was not confirmed here',
    },
  ];
}

/** A tokenizer or config file (no I/O contract), from `source` (its file name is the path's last part). */
function jsonFile(
  id: string,
  source: Extract<ModelSource, { kind: 'hf' | 'export' }>,
  approxBytes: number,
  role: 'tokenizer' | 'model-config',
  description: string,
  common: { license: string; citation: string },
): ModelEntry {
  const file = source.kind === 'hf' ? source.file : source.path;
  return {
    id,
    role,
    profiles: ['paper'],
    fileName: file.split('/').pop()!,
    description,
    inputs: [],
    outputs: [],
    sources: [source],
    approxBytes,
    ...common,
  };
}

const BART_COMMON = {
  license: 'MIT (oliverguhr/spelling-correction-english-base)',
  citation: 'Guhr, spelling-correction-english-base (BART-base fine-tuned for spelling correction); Lewis et al., BART, ACL 2020',
};

const SD_COMMON = {
  profiles: ['paper' as const],
  license: 'CreativeML Open RAIL-M (Stable Diffusion 1.5)',
  citation: 'Rombach et al., High-Resolution Image Synthesis with Latent Diffusion Models, CVPR 2022',
};
const IP_COMMON = {
  profiles: ['paper' as const],
  license: 'Apache-2.0 (IP-Adapter); CreativeML Open RAIL-M (the SD 1.5 UNet it extends); MIT (OpenCLIP ViT-H/14)',
  citation: 'Ye et al., IP-Adapter: Text Compatible Image Prompt Adapter for Text-to-Image Diffusion Models, arXiv 2308.06721',
};
const EXPORT_SCRIPT = 'python tools/export/ip_adapter_unet.py';
const exported = (path: string): Extract<ModelSource, { kind: 'export' }> => ({ kind: 'export', script: EXPORT_SCRIPT, path, sha256: null });

function stableDiffusionEntries(): ModelEntry[] {
  return [
    jsonFile('sd15-tokenizer', exported('sd15/tokenizer/tokenizer.json'), 2.2e6, 'tokenizer', 'SD 1.5 CLIP tokenizer (fast format, saved by the export script)', SD_COMMON),
    jsonFile('sd15-tokenizer-config', exported('sd15/tokenizer/tokenizer_config.json'), 0.7e3, 'tokenizer', 'SD 1.5 CLIP tokenizer settings (77 tokens, pad token)', SD_COMMON),
    jsonFile('sd15-scheduler-config', exported('sd15/scheduler/scheduler_config.json'), 0.3e3, 'model-config', 'SD 1.5 noise schedule (scaled_linear betas, 1000 steps)', SD_COMMON),
    {
      ...SD_COMMON,
      id: 'sd15-text-encoder',
      role: 'image-generator',
      fileName: 'text_encoder.onnx',
      description: 'SD 1.5 text encoder (CLIP ViT-L/14 text tower): 77 token ids → 77×768 states',
      inputs: [{ name: 'input_ids', type: 'int32', shape: ['batch', 'sequence'] }],
      outputs: [f32('last_hidden_state', ['batch', 'sequence', 'hidden'])],
      sources: [exported('sd15/text_encoder/model.onnx')],
      approxBytes: 492e6,
    },
    {
      ...SD_COMMON,
      id: 'sd15-vae-decoder',
      role: 'image-generator',
      fileName: 'vae_decoder.onnx',
      description: 'SD 1.5 VAE decoder: latents (÷ 0.18215) → RGB in [−1, 1] at 8× the latent size',
      inputs: [f32('latent_sample', ['batch', 4, 'latent_height', 'latent_width'])],
      outputs: [f32('sample', ['batch', 3, 'height', 'width'])],
      sources: [exported('sd15/vae_decoder/model.onnx')],
      approxBytes: 198e6,
    },
    {
      ...IP_COMMON,
      id: 'sd15-unet-ip-adapter',
      role: 'image-generator',
      fileName: 'model.onnx',
      description: 'SD 1.5 UNet with IP-Adapter (ip-adapter_sd15) cross-attention: ε from latents, timestep, text states, 4 image-prompt tokens and λ',
      inputs: [
        f32('sample', ['batch', 4, 'height', 'width']),
        // int64 in the export script; the pipeline feeds whatever element type the file declares.
        { name: 'timestep', type: 'int64', shape: ['steps'] },
        f32('encoder_hidden_states', ['batch', 'sequence', 'hidden']),
        f32('ip_tokens', ['batch', 4, 'hidden']),
        f32('ip_scale', [1]),
      ],
      outputs: [f32('out_sample', ['batch', 4, 'height', 'width'])],
      sources: [exported('sd15/unet_ip_adapter/model.onnx')],
      approxBytes: 3.5e9,
    },
    {
      ...IP_COMMON,
      id: 'ip-adapter-image-encoder',
      role: 'image-generator',
      fileName: 'image_encoder.onnx',
      description: 'IP-Adapter image encoder (OpenCLIP ViT-H/14 with projection): the received slice → a 1024-d image embedding',
      inputs: [f32('pixel_values', ['batch', 3, 224, 224])],
      outputs: [f32('image_embeds', ['batch', 'embed'])],
      imageInput: CLIP_224_INPUT,
      sources: [exported('sd15/ip_adapter/image_encoder.onnx')],
      approxBytes: 2.5e9,
    },
    {
      ...IP_COMMON,
      id: 'ip-adapter-projection',
      role: 'image-generator',
      fileName: 'projection.onnx',
      description: 'IP-Adapter image projection (Linear 1024 → 4×768, LayerNorm): the image-prompt tokens',
      inputs: [f32('image_embeds', ['batch', 'embed'])],
      outputs: [f32('ip_tokens', ['batch', 4, 'hidden'])],
      sources: [exported('sd15/ip_adapter/projection.onnx')],
      approxBytes: 13e6,
    },
  ];
}

export function paperModelEntries(): ModelEntry[] {
  return [
    ...stableDiffusionEntries(),
    ...(['q8', 'q4', 'fp16', 'fp32'] as const).flatMap(nanollavaGraphs),
    jsonFile('nanollava-tokenizer', hf(NANOLLAVA, 'tokenizer.json', null), 7.03e6, 'tokenizer', 'nanoLLaVA tokenizer (Qwen1.5 BPE, with <image>)', NANOLLAVA_COMMON),
    jsonFile('nanollava-tokenizer-config', hf(NANOLLAVA, 'tokenizer_config.json', null), 1.49e3, 'tokenizer', 'nanoLLaVA tokenizer settings and ChatML chat template', NANOLLAVA_COMMON),
    jsonFile('nanollava-config', hf(NANOLLAVA, 'config.json', null), 2.35e3, 'model-config', 'nanoLLaVA config (image_token_index, text_config: layers, heads, eos)', NANOLLAVA_COMMON),
    {
      id: 'bart-spelling-encoder',
      role: 'text-corrector',
      profiles: ['paper'],
      fileName: 'encoder_model.onnx',
      description: 'BART-base spelling corrector, encoder (fp32; the repository has no other variant)',
      inputs: [i64('input_ids', ['batch', 'encoder_seq']), i64('attention_mask', ['batch', 'encoder_seq'])],
      outputs: [f32('last_hidden_state', ['batch', 'encoder_seq', 'hidden'])],
      sources: [hf(BART_SPELLING, 'onnx/encoder_model.onnx', null)],
      approxBytes: 328e6,
      ...BART_COMMON,
    },
    {
      id: 'bart-spelling-decoder',
      role: 'text-corrector',
      profiles: ['paper'],
      fileName: 'decoder_model_merged.onnx',
      description: `BART-base spelling corrector, decoder with key/value cache (merged: use_cache_branch), ${BART_DECODER_LAYERS} layers, fp32`,
      inputs: [
        i64('encoder_attention_mask', ['batch', 'encoder_seq']),
        i64('input_ids', ['batch', 'seq']),
        f32('encoder_hidden_states', ['batch', 'encoder_seq', 'hidden']),
        ...keyValueSpecs('past_key_values', BART_DECODER_LAYERS, ['.decoder', '.encoder'], 'past'),
        { name: 'use_cache_branch', type: 'bool', shape: [1] },
      ],
      outputs: [f32('logits', ['batch', 'seq', 'vocab']), ...keyValueSpecs('present', BART_DECODER_LAYERS, ['.decoder'], 'total')],
      sources: [hf(BART_SPELLING, 'onnx/decoder_model_merged.onnx', 'a9eb49b051cb90d1e491fa055e94a1a5b240bffb0c65beb2bc53592b436a3f9d')],
      approxBytes: 540e6,
      ...BART_COMMON,
    },
    jsonFile('bart-spelling-tokenizer', hf(BART_SPELLING, 'onnx/tokenizer.json', null), 2.11e6, 'tokenizer', 'BART tokenizer (byte-level BPE) of the corrector', BART_COMMON),
    jsonFile('bart-spelling-tokenizer-config', hf(BART_SPELLING, 'onnx/tokenizer_config.json', null), 1.36e3, 'tokenizer', 'BART tokenizer settings of the corrector', BART_COMMON),
    jsonFile('bart-spelling-config', hf(BART_SPELLING, 'onnx/config.json', null), 1.74e3, 'model-config', 'BART config of the corrector (decoder layers, heads, start/eos ids)', BART_COMMON),
    {
      id: 'fcn-resnet50-11',
      role: 'segmenter',
      profiles: ['paper'],
      fileName: 'fcn-resnet50-11.onnx',
      description: 'FCN-ResNet50 (torchvision, COCO subset with the 20 VOC classes), ONNX model zoo, opset 11: 21-class logits at the input size',
      inputs: [f32('input', ['batch', 3, 'height', 'width'])],
      outputs: [f32('out', ['batch', 21, 'height', 'width'])],
      // torchvision's ImageNet normalisation; the model zoo resizes the shorter side to 520.
      imageInput: {
        channels: 'RGB',
        mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
        std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
        size: 'full',
      },
      sources: [
        {
          kind: 'url',
          url: `https://media.githubusercontent.com/media/${ONNX_MODEL_ZOO.repo}/${ONNX_MODEL_ZOO.revision}/validated/vision/object_detection_segmentation/fcn/model/fcn-resnet50-11.onnx`,
          sha256: '8abd3ae6c258e6fd210d8fb296261ea5c0603c6cc2f568db6097f6fbaaeff0d5',
          size: 141193553,
        },
      ],
      license: 'BSD-3-Clause (torchvision weights), Apache-2.0 (ONNX model zoo)',
      citation: 'Long, Shelhamer, Darrell, Fully Convolutional Networks for Semantic Segmentation, CVPR 2015',
    },
  ];
}
