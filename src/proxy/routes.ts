// Route patterns and matching. Pure: no I/O, no config knowledge beyond the pattern string.
//
// Patterns are segment based: `/users/{id}` binds one segment, `/static/{*rest}` binds the rest of
// the path (possibly empty). When several routes could match, the more specific one wins, segment
// by segment: a static segment beats a parameter, a parameter beats a catch-all. Among routes with
// the same pattern, the first one listed that accepts the method wins.

export type Segment =
  | { kind: 'static'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'catchAll'; name: string };

export interface CompiledPattern {
  readonly source: string;
  readonly segments: readonly Segment[];
}

export class PatternError extends Error {}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const CATCH_ALL = /^\{\*([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function compilePattern(source: string): CompiledPattern {
  if (!source.startsWith('/')) throw new PatternError('must start with "/"');
  const parts = splitPath(source);
  const names = new Set<string>();
  const segments = parts.map((part, index): Segment => {
    const catchAll = CATCH_ALL.exec(part);
    if (catchAll) {
      if (index !== parts.length - 1) throw new PatternError(`catch-all "${part}" must be the last segment`);
      return remember({ kind: 'catchAll', name: catchAll[1]! });
    }
    const param = PARAM.exec(part);
    if (param) return remember({ kind: 'param', name: param[1]! });
    if (/[{}]/.test(part)) throw new PatternError(`segment "${part}" is not a parameter ({name}) or catch-all ({*name})`);
    return { kind: 'static', value: part };
  });
  return { source, segments };

  function remember(segment: Segment & { name: string }): Segment {
    if (names.has(segment.name)) throw new PatternError(`parameter "${segment.name}" appears twice`);
    names.add(segment.name);
    return segment;
  }
}

/** Splits a path into its segments, ignoring the leading slash: "/a/b/" -> ["a", "b", ""]. */
export function splitPath(path: string): string[] {
  return path === '/' || path === '' ? [] : path.slice(1).split('/');
}

export interface RouteMatch<R> {
  readonly route: R;
  readonly params: Readonly<Record<string, string>>;
}

interface Entry<R> {
  route: R;
  accepts: (method: string) => boolean;
  /** This route's own parameter names, in path order. */
  names: string[];
}

interface Node<R> {
  statics: Map<string, Node<R>>;
  param?: Node<R>;
  catchAll?: Entry<R>[];
  entries: Entry<R>[];
}

const newNode = <R>(): Node<R> => ({ statics: new Map(), entries: [] });

export class Router<R> {
  private readonly root: Node<R> = newNode();

  /** `methods` undefined means the route accepts every method. */
  add(pattern: CompiledPattern, route: R, methods?: ReadonlySet<string>): void {
    const accepts = methods ? (m: string) => methods.has(m) : () => true;
    const names = pattern.segments.flatMap((s) => (s.kind === 'static' ? [] : [s.name]));
    const entry: Entry<R> = { route, accepts, names };
    let node = this.root;
    for (const segment of pattern.segments) {
      if (segment.kind === 'static') {
        let next = node.statics.get(segment.value);
        if (!next) node.statics.set(segment.value, (next = newNode()));
        node = next;
      } else if (segment.kind === 'param') {
        // Patterns sharing a prefix may name a parameter differently; the tree only needs the
        // position, and each entry keeps its own names.
        node.param ??= newNode();
        node = node.param;
      } else {
        (node.catchAll ??= []).push(entry);
        return;
      }
    }
    node.entries.push(entry);
  }

  match(method: string, path: string): RouteMatch<R> | undefined {
    const found = this.walk(this.root, splitPath(path), 0, method, []);
    if (!found) return undefined;
    const { entry, values } = found;
    const params: Record<string, string> = {};
    entry.names.forEach((name, i) => (params[name] = values[i] ?? ''));
    return { route: entry.route, params };
  }

  private walk(
    node: Node<R>,
    parts: string[],
    index: number,
    method: string,
    values: string[],
  ): { entry: Entry<R>; values: string[] } | undefined {
    if (index === parts.length) {
      const entry = node.entries.find((e) => e.accepts(method));
      if (entry) return { entry, values };
    } else {
      const part = parts[index]!;
      const staticChild = node.statics.get(part);
      if (staticChild) {
        const found = this.walk(staticChild, parts, index + 1, method, values);
        if (found) return found;
      }
      if (node.param && part !== '') {
        const found = this.walk(node.param, parts, index + 1, method, [...values, decodeSegment(part)]);
        if (found) return found;
      }
    }
    if (node.catchAll) {
      const entry = node.catchAll.find((e) => e.accepts(method));
      if (entry) return { entry, values: [...values, parts.slice(index).map(decodeSegment).join('/')] };
    }
    return undefined;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes are passed on as sent; the upstream decides what they mean
  }
}
