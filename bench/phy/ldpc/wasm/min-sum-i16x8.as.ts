/**
 * Layered normalised/offset min-sum decoding of a QC-LDPC code, eight frames at once: every LLR
 * and message is a v128 holding one signed 16-bit fixed-point value per frame (lane), so one SIMD
 * instruction does the work of eight scalar decoders. AssemblyScript source; `build.js` compiles it.
 *
 * The host (decoder-wasm.ts) owns the memory map: it writes the code's edge layout once, then calls
 * decodeFrames() with a batch of quantised frames. Lanes are refilled as their frames finish (zero
 * syndrome or the iteration limit), so a frame that needs many iterations does not hold back the
 * seven others, and each frame's iteration count is its own.
 *
 * Fixed point: the host quantises LLRs (see decoder-wasm.ts); all adds and subtracts saturate, so
 * a value pinned at ±32767 stays a confident decision instead of wrapping round to the other sign.
 */

const LANES: i32 = 8;
/** Magnitudes are compared as unsigned 16-bit so that |−32768| = 32768 stays ordered correctly. */
const NO_MAGNITUDE_YET: i16 = -1; // 0xFFFF, larger than any magnitude as u16
const MAX_MAGNITUDE: i16 = 32767;

// Memory map, set once per code by configure(). Addresses are byte offsets in linear memory.
let z: i32 = 0;
let layers: i32 = 0;
let edges: i32 = 0;
let n: i32 = 0;
/** i32 per edge: 16·v, the byte offset of the edge's variable v inside `posterior`. */
let edgeVariableOffset: usize = 0;
/** i32 per layer: the row degree of that layer. */
let layerDegree: usize = 0;
/** v128 per code bit: a-posteriori LLR of the bit in each lane. */
let posterior: usize = 0;
/** v128 per edge: the check-to-variable message of the last iteration. */
let checkToVariable: usize = 0;
/** v128 per edge of the current row: its variable-to-check message (scratch). */
let variableToCheck: usize = 0;
/** i32 per lane: the batch index of the frame in that lane; then i32 per lane: its iterations. */
let laneFrame: usize = 0;
let laneIterations: usize = 0;

/** First byte the host may use (16-byte aligned): everything above the module's static data. */
export function firstFreeByte(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

export function configure(
  liftingSize: i32, layerCount: i32, edgeCount: i32, codeLength: i32,
  edgeVariableOffsetAt: usize, layerDegreeAt: usize, laneStateAt: usize,
  posteriorAt: usize, checkToVariableAt: usize, variableToCheckAt: usize,
): void {
  z = liftingSize;
  layers = layerCount;
  edges = edgeCount;
  n = codeLength;
  edgeVariableOffset = edgeVariableOffsetAt;
  layerDegree = layerDegreeAt;
  laneFrame = laneStateAt;
  laneIterations = laneStateAt + <usize>(LANES << 2);
  posterior = posteriorAt;
  checkToVariable = checkToVariableAt;
  variableToCheck = variableToCheckAt;
}

/**
 * Message magnitude from a row minimum: clamp to 32767 (so the Q15 multiply sees a positive
 * value), subtract the offset (unsigned saturating: floors at 0), multiply by the Q15 scale.
 */
// @ts-ignore: decorator
@inline function normalise(minimum: v128, offset: v128, scaleQ15: v128): v128 {
  const clamped = i16x8.min_u(minimum, i16x8.splat(MAX_MAGNITUDE));
  return i16x8.q15mulr_sat_s(i16x8.sub_sat_u(clamped, offset), scaleQ15);
}

/*
 * iterate() and unsatisfiedLanes() are exported although only decodeFrames() calls them: Binaryen
 * then keeps them separate functions instead of inlining them into their single caller. V8 runs
 * a wasm function first as baseline (Liftoff) code, 3–4× slower here, and switches to optimised
 * code only on a later call; so the hot loops must be entered once per iteration, not once per
 * batch, or a whole first batch would run on baseline code.
 */

/** One layered min-sum iteration on all lanes: every check row of every layer, in edge-layout order. */
export function iterate(scaleQ15: i32, offsetQ: i32): void {
  const scale = i16x8.splat(<i16>scaleQ15);
  const offset = i16x8.splat(<i16>offsetQ);
  const rowsPerLayer = z;
  const layerCount = layers;
  const posteriorBase = posterior;
  const scratch = variableToCheck;
  let edgeVariable = edgeVariableOffset; // walks the i32 table
  let message = checkToVariable; // walks the v128 messages, in step with edgeVariable
  for (let layer = 0; layer < layerCount; layer++) {
    const degree = load<i32>(layerDegree + (<usize>layer << 2));
    for (let row = 0; row < rowsPerLayer; row++) {
      // Pass 1: variable-to-check messages t = posterior − old message; the two smallest |t|
      // and the parity of the signs (sign bit of the XOR of all t).
      let min1 = i16x8.splat(NO_MAGNITUDE_YET);
      let min2 = min1;
      let signs = i16x8.splat(0);
      for (let j = 0; j < degree; j++) {
        const variable = posteriorBase + <usize>load<i32>(edgeVariable + (<usize>j << 2));
        const t = i16x8.sub_sat_s(v128.load(variable), v128.load(message + (<usize>j << 4)));
        v128.store(scratch + (<usize>j << 4), t);
        const magnitude = i16x8.abs(t);
        min2 = i16x8.min_u(min2, i16x8.max_u(min1, magnitude));
        min1 = i16x8.min_u(min1, magnitude);
        signs = v128.xor(signs, t);
      }
      const fromMin1 = normalise(min1, offset, scale);
      const fromMin2 = normalise(min2, offset, scale);
      // Pass 2: each edge gets the minimum of the others (min2 where it holds min1 itself; on a
      // tie min2 = min1, so no index is needed) with the sign parity of the others.
      for (let j = 0; j < degree; j++) {
        const variable = posteriorBase + <usize>load<i32>(edgeVariable + (<usize>j << 2));
        const t = v128.load(scratch + (<usize>j << 4));
        const magnitude = v128.bitselect(fromMin2, fromMin1, i16x8.eq(i16x8.abs(t), min1));
        const negative = i16x8.shr_s(v128.xor(signs, t), 15); // all ones where the sign is −
        const updated = i16x8.sub(v128.xor(magnitude, negative), negative);
        v128.store(message + (<usize>j << 4), updated);
        v128.store(variable, i16x8.add_sat_s(t, updated));
      }
      edgeVariable += <usize>degree << 2;
      message += <usize>degree << 4;
    }
  }
}

/**
 * Lanes (bit per lane) whose hard decisions (sign of the posterior) violate some check. Stops
 * early once every lane in `lanes` is known to fail, the common case before convergence.
 */
export function unsatisfiedLanes(lanes: i32): i32 {
  const rowsPerLayer = z;
  const posteriorBase = posterior;
  let edgeVariable = edgeVariableOffset;
  let failed = i16x8.splat(0);
  for (let layer = 0; layer < layers; layer++) {
    const degree = load<i32>(layerDegree + (<usize>layer << 2));
    for (let row = 0; row < rowsPerLayer; row++) {
      let parity = i16x8.splat(0);
      for (let j = 0; j < degree; j++) {
        parity = v128.xor(parity, v128.load(posteriorBase + <usize>load<i32>(edgeVariable + (<usize>j << 2))));
      }
      failed = v128.or(failed, parity);
      edgeVariable += <usize>degree << 2;
    }
    if ((i16x8.bitmask(failed) & lanes) == lanes) return lanes;
  }
  return i16x8.bitmask(failed) & lanes;
}

/** Puts frame `frame` of the input batch (i16 LLRs, n per frame) into `lane`. */
function loadFrame(lane: i32, frame: i32, llrIn: usize): void {
  const codeLength = n;
  const source = llrIn + (<usize>frame * <usize>codeLength << 1);
  const target = posterior + (<usize>lane << 1);
  for (let v = 0; v < codeLength; v++) {
    store<i16>(target + (<usize>v << 4), load<i16>(source + (<usize>v << 1)));
  }
  store<i32>(laneFrame + (<usize>lane << 2), frame);
  store<i32>(laneIterations + (<usize>lane << 2), 0);
}

/** Zeroes the messages of the lanes in `lanes` (bit per lane): their new frames start afresh. */
function clearMessages(lanes: i32): void {
  const laneBit = i16x8(1, 2, 4, 8, 16, 32, 64, 128);
  const keep = i16x8.eq(v128.and(i16x8.splat(<i16>lanes), laneBit), i16x8.splat(0));
  const end = checkToVariable + (<usize>edges << 4);
  for (let message = checkToVariable; message < end; message += 16) {
    v128.store(message, v128.and(v128.load(message), keep));
  }
}

/** Writes the hard decisions of `lane` (1 where the posterior is negative) as bytes. */
function storeDecisions(lane: i32, bitsOut: usize): void {
  const codeLength = n;
  const frame = load<i32>(laneFrame + (<usize>lane << 2));
  const target = bitsOut + <usize>frame * <usize>codeLength;
  const source = posterior + (<usize>lane << 1);
  for (let v = 0; v < codeLength; v++) {
    store<u8>(target + <usize>v, <u8>(load<u16>(source + (<usize>v << 4)) >> 15));
  }
}

/**
 * Decodes `frameCount` frames: i16 LLRs at `llrIn` (frame-major, n per frame) → bytes 0/1 at
 * `bitsOut` (n per frame), i32 iterations per frame at `iterationsOut`, u8 1/0 (zero syndrome)
 * per frame at `successOut`. Parity is checked after every iteration when `earlyTermination`,
 * else only at the iteration limit.
 */
export function decodeFrames(
  frameCount: i32, llrIn: usize, bitsOut: usize, iterationsOut: usize, successOut: usize,
  maxIterations: i32, earlyTermination: bool, scaleQ15: i32, offset: i32,
): void {
  let nextFrame = 0;
  let active = 0;
  for (let lane = 0; lane < LANES && nextFrame < frameCount; lane++) {
    loadFrame(lane, nextFrame++, llrIn);
    active |= 1 << lane;
  }
  memory.fill(checkToVariable, 0, <usize>edges << 4);
  while (active != 0) {
    iterate(scaleQ15, offset);
    let atLimit = 0;
    for (let lane = 0; lane < LANES; lane++) {
      if ((active & (1 << lane)) == 0) continue;
      const counter = laneIterations + (<usize>lane << 2);
      const iterations = load<i32>(counter) + 1;
      store<i32>(counter, iterations);
      if (iterations >= maxIterations) atLimit |= 1 << lane;
    }
    const unsatisfied = earlyTermination || atLimit != 0 ? unsatisfiedLanes(active) : active;
    const finished = (earlyTermination ? active & ~unsatisfied : 0) | atLimit;
    if (finished == 0) continue;
    let refilled = 0;
    for (let lane = 0; lane < LANES; lane++) {
      if ((finished & (1 << lane)) == 0) continue;
      const frame = load<i32>(laneFrame + (<usize>lane << 2));
      storeDecisions(lane, bitsOut);
      store<i32>(iterationsOut + (<usize>frame << 2), load<i32>(laneIterations + (<usize>lane << 2)));
      store<u8>(successOut + <usize>frame, (unsatisfied & (1 << lane)) == 0 ? 1 : 0);
      if (nextFrame < frameCount) {
        loadFrame(lane, nextFrame++, llrIn);
        refilled |= 1 << lane;
      } else {
        active &= ~(1 << lane);
      }
    }
    if (refilled != 0) clearMessages(refilled);
  }
}
