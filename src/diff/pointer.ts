// JSON Pointers (RFC 6901) and pointer globs, where `*` stands for any one segment.

export function escapeSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function child(pointer: string, segment: string | number): string {
  return `${pointer}/${escapeSegment(segment)}`;
}

export function segmentsOf(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
}

export type PointerMatcher = (pointer: string) => boolean;

/** Matches pointers against globs; `/a/*\/b` matches `/a/0/b` and `/a/x/b`, not `/a/0/c/b`. */
export function compilePointerGlobs(globs: readonly string[]): PointerMatcher {
  if (globs.length === 0) return () => false;
  const alternatives = globs.map((glob) =>
    glob
      .split('/')
      .map((part) => (part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/'),
  );
  const re = new RegExp(`^(?:${alternatives.join('|')})$`);
  return (pointer) => re.test(pointer);
}

/** True when `pointer` is matched by a glob, or lies under something matched. */
export function compileSubtreeGlobs(globs: readonly string[]): PointerMatcher {
  const exact = compilePointerGlobs(globs.map((g) => g.replace(/\/$/, '')));
  if (globs.length === 0) return exact;
  return (pointer) => {
    if (exact(pointer)) return true;
    for (let i = pointer.lastIndexOf('/'); i > 0; i = pointer.lastIndexOf('/', i - 1)) {
      if (exact(pointer.slice(0, i))) return true;
    }
    return false;
  };
}
