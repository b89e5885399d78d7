/**
 * The lite captioner's colour vocabulary: 53 colour names built from the 11 basic colour terms
 * (Berlin & Kay) with the modifiers "light", "dark" and "greyish", each with a CIELAB centroid.
 * A colour is named by its nearest centroid (CIE76 ΔE, D65 white); the renderer paints a name as
 * its centroid. Every centroid lies inside the sRGB gamut, so naming a centroid's own sRGB value
 * gives back its name and painting it loses nothing.
 *
 * Names: for each of the 8 chromatic terms X (red, orange, yellow, green, blue, purple, pink,
 * brown): "X", "light X", "dark X", "greyish X", "light greyish X", "dark greyish X" (48); and
 * the 5 achromatic names "black", "dark grey", "grey", "light grey", "white".
 */

export type Lab = readonly [L: number, a: number, b: number];

export const CHROMATIC_TERMS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown'] as const;
export const ACHROMATIC_NAMES = ['black', 'dark grey', 'grey', 'light grey', 'white'] as const;
export const LIGHTNESS_MODIFIERS = ['light', 'dark'] as const;
export const GREYISH = 'greyish';

export interface ColourName {
  /** e.g. "dark greyish blue" */
  name: string;
  lab: Lab;
  /** The centroid in 8-bit sRGB (not rounded). */
  rgb: readonly [number, number, number];
}

// ---------------------------------------------------------------------------------------------
// sRGB (D65) ↔ CIELAB

// Module-level copies: under jest's sandbox each `Math.x` lookup in a hot loop is slow.
const { cbrt, round } = Math;

const XN = 0.95047;
const ZN = 1.08883;
const EPS = (6 / 29) ** 3;
const KAPPA = 3 * (6 / 29) ** 2;

/** 8-bit sRGB code → linear light, for the per-pixel conversions. */
export const SRGB_TO_LINEAR: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const s = i / 255;
    t[i] = s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();

const f = (t: number): number => (t > EPS ? cbrt(t) : t / KAPPA + 4 / 29);
const finv = (t: number): number => (t > 6 / 29 ? t * t * t : KAPPA * (t - 4 / 29));

/** Linear-light RGB (0..1) → CIELAB, written into `out` at `at`. */
export function linearToLab(r: number, g: number, b: number, out: Float32Array | number[], at = 0): void {
  const fx = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
  const fy = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const fz = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN);
  out[at] = 116 * fy - 16;
  out[at + 1] = 500 * (fx - fy);
  out[at + 2] = 200 * (fy - fz);
}

export function srgbToLab(r: number, g: number, b: number): Lab {
  const out = [0, 0, 0];
  linearToLab(SRGB_TO_LINEAR[round(r)], SRGB_TO_LINEAR[round(g)], SRGB_TO_LINEAR[round(b)], out);
  return [out[0], out[1], out[2]];
}

/** CIELAB → linear-light RGB, unclipped (components outside 0..1 mean out of gamut). */
export function labToLinear(L: number, a: number, b: number, out: Float32Array | number[], at = 0): void {
  const fy = (L + 16) / 116;
  const x = XN * finv(fy + a / 500);
  const y = finv(fy);
  const z = ZN * finv(fy - b / 200);
  out[at] = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  out[at + 1] = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  out[at + 2] = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
}

/** Linear light (clipped to 0..1) → 8-bit sRGB, unrounded. */
export function linearToSrgb8(v: number): number {
  const c = v <= 0 ? 0 : v >= 1 ? 1 : v;
  return 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
}

export function labToSrgb(L: number, a: number, b: number): [number, number, number] {
  const lin = [0, 0, 0];
  labToLinear(L, a, b, lin);
  return [linearToSrgb8(lin[0]), linearToSrgb8(lin[1]), linearToSrgb8(lin[2])];
}

// ---------------------------------------------------------------------------------------------
// The centroids

/**
 * Focal colours of the chromatic terms, as sRGB picks (typical, saturated but not extreme, as in
 * colour-naming surveys); the modifiers are derived from them in LCh below.
 */
const FOCAL_SRGB: Record<(typeof CHROMATIC_TERMS)[number], [number, number, number]> = {
  red: [190, 35, 35],
  orange: [230, 125, 35],
  yellow: [235, 205, 50],
  green: [55, 140, 60],
  blue: [45, 90, 185],
  purple: [115, 55, 140],
  pink: [230, 140, 170],
  brown: [125, 80, 45],
};

/**
 * Modifiers in LCh: "light" moves L* 30 % of the way to white, "dark" takes it to 60 %; "greyish"
 * keeps 25 % of the chroma (Kodak's muted colours mostly fall there). Light and dark also trim the
 * chroma a little, as surface colours do. Of the factors tried (light 0.3–0.6, dark 0.5–0.7,
 * greyish 0.2–0.5), these gave the lowest mean ΔE between the 3×3 cell colours of Kodak24 (whole
 * images and 2×2 blocks) and their names: 8.0, against up to 9.9.
 */
const LIGHT = (L: number) => L + 0.3 * (100 - L);
const DARK = (L: number) => 0.6 * L;
const CHROMA = { plain: 1, light: 0.8, dark: 0.85, greyish: 0.25 };

const ACHROMATIC_L: Record<(typeof ACHROMATIC_NAMES)[number], number> = {
  black: 8,
  'dark grey': 30,
  grey: 50,
  'light grey': 72,
  white: 95,
};

/** Largest chroma ≤ c at (L, h) that is inside the sRGB gamut (bisection). */
function inGamut(L: number, c: number, h: number): Lab {
  const lin = [0, 0, 0];
  const fits = (cc: number) => {
    labToLinear(L, cc * Math.cos(h), cc * Math.sin(h), lin);
    return lin.every((v) => v >= 0 && v <= 1);
  };
  let lo = 0;
  let hi = c;
  if (!fits(hi)) {
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    c = lo;
  }
  return [L, c * Math.cos(h), c * Math.sin(h)];
}

function centroid(name: string, lab: Lab): ColourName {
  return { name, lab, rgb: labToSrgb(lab[0], lab[1], lab[2]) };
}

function buildColours(): ColourName[] {
  const out: ColourName[] = [];
  for (const term of CHROMATIC_TERMS) {
    const [L, a, b] = srgbToLab(...FOCAL_SRGB[term]);
    const c = Math.hypot(a, b);
    const h = Math.atan2(b, a);
    const add = (name: string, l: number, k: number) => out.push(centroid(name, inGamut(l, c * k, h)));
    add(term, L, CHROMA.plain);
    add(`light ${term}`, LIGHT(L), CHROMA.light);
    add(`dark ${term}`, DARK(L), CHROMA.dark);
    add(`greyish ${term}`, L, CHROMA.greyish);
    add(`light greyish ${term}`, LIGHT(L), CHROMA.greyish * CHROMA.light);
    add(`dark greyish ${term}`, DARK(L), CHROMA.greyish * CHROMA.dark);
  }
  for (const name of ACHROMATIC_NAMES) out.push(centroid(name, [ACHROMATIC_L[name], 0, 0]));
  return out;
}

/** All colour names with their centroids, in a fixed order. */
export const COLOURS: readonly ColourName[] = buildColours();

const BY_NAME = new Map(COLOURS.map((c) => [c.name, c]));

/** The colour a parser falls back to for a missing or unreadable cell: mid grey, L* = 50. */
export const NEUTRAL_COLOUR = 'grey';

export function isColourName(name: string): boolean {
  return BY_NAME.has(name);
}

/** The centroid of a name; an unknown name gives the neutral grey. */
export function colourByName(name: string): ColourName {
  return BY_NAME.get(name) ?? (BY_NAME.get(NEUTRAL_COLOUR) as ColourName);
}

/** The name whose centroid is nearest to (L*, a*, b*) in CIE76 ΔE. */
export function nameLab(L: number, a: number, b: number): string {
  let best = COLOURS[0];
  let bestD = Infinity;
  for (const c of COLOURS) {
    const d = (c.lab[0] - L) ** 2 + (c.lab[1] - a) ** 2 + (c.lab[2] - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best.name;
}

export function nameSrgb(r: number, g: number, b: number): string {
  return nameLab(...srgbToLab(r, g, b));
}
