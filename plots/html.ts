/**
 * Escaping for everything the report puts into HTML. Decoded channel text can hold any code
 * point: markup, quotes, U+FFFD, control characters, lone surrogates. Text content and attribute
 * values go through `escapeHtml`; data for scripts goes through `jsonForScript`.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A lone UTF-16 surrogate (not valid Unicode; a UTF-8 writer would turn it into U+FFFD anyway). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Control characters made visible as `\xNN` (tab and newline are kept: they lay out in a
 * `pre-wrap` block). HTML forbids most of them as raw characters, and fonts draw none. The
 * bidirectional overrides and isolates, which would reorder the text around them, as `\uNNNN`.
 */
function visibleControl(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 0x09 || c === 0x0a) return ch;
  if (c > 0xff) return `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Text (any string) → HTML text content or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, visibleControl)
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

/** A relative URL (path segments) for an href/src attribute: each segment percent-encoded, then escaped. */
export function urlAttr(...segments: string[]): string {
  return escapeHtml(segments.map((s) => encodeURIComponent(s)).join('/'));
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` as \u escapes, so no
 * `</script>` or `<!--` can end or change the block, and U+2028/2029 escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
