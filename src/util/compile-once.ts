// Per-route rules travel as plain data (they are cloned into worker threads). What is compiled from
// them is kept per key and rebuilt only when the rules under that key change.
export function compileOnce<I, O>(compile: (input: I) => O): (key: string, input: I) => O {
  const cache = new Map<string, { input: I; source: string; output: O }>();
  return (key, input) => {
    const hit = cache.get(key);
    // The same object (main thread) needs no comparison; a clone (worker thread) is compared as JSON.
    if (hit && (hit.input === input || hit.source === JSON.stringify(input))) {
      hit.input = input;
      return hit.output;
    }
    const output = compile(input);
    cache.set(key, { input, source: JSON.stringify(input), output });
    return output;
  };
}
