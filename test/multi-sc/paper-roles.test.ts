import { isUserError } from '../../bench/errors';
import { modelEntry } from '../../bench/models/registry';
import { paperSemanticModels, PAPER_DTYPES } from '../../bench/models/paper-profile';
import { schemeFactory } from '../../bench/schemes/registry';

/** What the paper profile asks of the registry and of the semantic schemes. */
describe('paper profile roles', () => {
  test('every role model is registered for the paper profile, pinned to a revision or URL', () => {
    for (const dtype of PAPER_DTYPES)
      for (const id of paperSemanticModels('multi-sc', dtype)) {
        const m = modelEntry(id);
        expect([id, m.profiles]).toEqual([id, ['paper']]);
        for (const s of m.sources) {
          if (s.kind === 'hf') expect(s.revision).toMatch(/^[0-9a-f]{40}$/);
          else expect(s.kind).toBe('url');
          if (s.sha256 !== null) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
        }
      }
    expect(paperSemanticModels('vlm-csc', 'q8')).not.toContain('fcn-resnet50-11');
  });

  test('the lite profile needs none of them; the paper profile names them per --dtype', () => {
    const lite = schemeFactory('multi-sc').requiredModels!({}, 'lite');
    expect(lite.some((id) => id.startsWith('nanollava') || id.startsWith('bart'))).toBe(false);
    expect(schemeFactory('multi-sc').requiredModels!({ dtype: 'q4' }, 'paper')).toContain('nanollava-decoder-q4');
  });

  test.each(['multi-sc', 'single-text', 'vlm-csc'])('%s under the paper profile refuses to stand in lite models for the generator', (name) => {
    let err: unknown;
    try {
      schemeFactory(name).create({}, { profile: 'paper' });
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/--profile paper: .* cannot run: its image generator \(Stable Diffusion 1\.5 \+ IP-Adapter.*\) is not implemented in this version/);
  });
});
