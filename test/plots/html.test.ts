import { escapeHtml, jsonForScript, urlAttr } from '../../plots/html';

describe('escapeHtml', () => {
  test('markup and quotes become entities', () => {
    expect(escapeHtml(`<script>alert("x" + 'y')</script> & more`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more',
    );
  });

  test('no raw <, >, quote or control character survives, whatever the input', () => {
    let all = '';
    for (let c = 0; c < 0x300; c++) all += String.fromCharCode(c);
    all += '\u202e\u2066\ud800x\udc00\ud83d\ude00\ufffd';
    const out = escapeHtml(all);
    expect(out).not.toMatch(/[<>"'\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e\u2066]/);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    // Every & starts an entity we wrote.
    expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
  });

  test('control characters are shown as \\xNN, bidi overrides as \\uNNNN, tab and newline kept', () => {
    expect(escapeHtml('a\u0000b\u0007c\u001b[31m\u007f\u0085')).toBe('a\\x00b\\x07c\\x1B[31m\\x7F\\x85');
    expect(escapeHtml('x\u202ey')).toBe('x\\u202Ey');
    expect(escapeHtml('a\tb\nc')).toBe('a\tb\nc');
  });

  test('U+FFFD and other text pass; lone surrogates become U+FFFD; pairs stay', () => {
    expect(escapeHtml('r\ufffdd \ud800 \udc00 \ud83d\ude00 é')).toBe('r\ufffdd \ufffd \ufffd \ud83d\ude00 é');
  });

  test('null and numbers', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(-3)).toBe('-3');
  });
});

describe('jsonForScript', () => {
  test('cannot close or comment out the script block, and parses back to the same value', () => {
    const v = { t: '</script><!-- <script>alert(1)</script> & \u2028\u2029', n: [1, null] };
    const s = jsonForScript(v);
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual(v);
  });
});

describe('urlAttr', () => {
  test('percent-encodes each path segment', () => {
    expect(urlAttr('gallery', 'a b', 'x"<y>.jpg')).toBe('gallery/a%20b/x%22%3Cy%3E.jpg');
  });
});
