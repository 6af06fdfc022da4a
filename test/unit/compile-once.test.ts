import { compileOnce } from '../../src/util/compile-once';

describe('compileOnce', () => {
  it('compiles once per key for the same rules, also when they arrive as a clone, and again when they change', () => {
    let compilations = 0;
    const compiled = compileOnce((rules: { ignore: string[] }) => ({ n: ++compilations, rules }));
    const rules = { ignore: ['/a'] };
    const first = compiled('route', rules);
    expect(compiled('route', rules)).toBe(first);
    expect(compiled('route', structuredClone(rules))).toBe(first);
    const changed = compiled('route', { ignore: ['/b'] });
    expect(changed).not.toBe(first);
    expect(changed.rules.ignore).toEqual(['/b']);
    expect(compiled('other', rules)).not.toBe(first);
    expect(compilations).toBe(3);
  });
});
