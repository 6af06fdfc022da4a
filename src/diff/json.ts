// JSON body comparison. json-diff-ts finds the changes (keyed arrays included); this module applies
// shadowdiff's rules around it and turns its changeset into located, typed differences.
//
// Before the diff, and only when a rule asks for it, one walk over both documents removes ignored
// paths and settles arrays compared as unordered collections (each element missing or extra).
// After the diff, an array whose elements json-diff-ts saw change is checked for being a mere
// permutation, reported as one `order` difference instead of a change at every index.
import type * as JsonDiffTs from 'json-diff-ts' with { 'resolution-mode': 'import' };
import { child, compilePointerGlobs, type PointerMatcher } from './pointer';
import { severityOf, type CompareRules, type Difference, type DiffKind } from './types';

// json-diff-ts runs as CommonJS (its main is dist/index.cjs) but declares "type": "module", so
// TypeScript reads its declarations as ESM; the types come from there, the code from require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { diff: jsonDiff } = require('json-diff-ts') as typeof JsonDiffTs;
type IChange = JsonDiffTs.IChange;

export interface JsonRules {
  readonly ignored: PointerMatcher;
  readonly unordered: PointerMatcher;
  readonly keyed: PointerMatcher;
  /** json-diff-ts keys its embedded-object map by dotted paths without indices. */
  readonly embeddedObjKeys: Map<string, string>;
  readonly tolerance: CompareRules['tolerance'];
  readonly ignoreAdded: boolean;
  /** False when no rule needs the walk before the diff. */
  readonly needsPreparation: boolean;
}

export function compileJsonRules(rules: Pick<CompareRules, 'ignore' | 'unordered' | 'arrayKeys' | 'tolerance' | 'ignoreAdded'>): JsonRules {
  const embeddedObjKeys = new Map<string, string>();
  for (const [glob, key] of Object.entries(rules.arrayKeys)) {
    embeddedObjKeys.set(
      glob
        .split('/')
        .filter((s) => s !== '' && s !== '*')
        .join('.'),
      key,
    );
  }
  return {
    // The walk stops at an ignored node, so matching the node itself is enough.
    ignored: compilePointerGlobs(rules.ignore),
    unordered: compilePointerGlobs(rules.unordered),
    keyed: compilePointerGlobs(Object.keys(rules.arrayKeys)),
    embeddedObjKeys,
    tolerance: rules.tolerance,
    ignoreAdded: rules.ignoreAdded,
    needsPreparation: rules.ignore.length > 0 || rules.unordered.length > 0,
  };
}

/** Differences between two parsed JSON documents. Both documents are modified (they are the caller's own copies). */
export function compareJson(reference: unknown, candidate: unknown, rules: JsonRules): Difference[] {
  const out: Difference[] = [];
  if (rules.ignored('')) return out;
  if (!isContainer(reference) || !isContainer(candidate) || Array.isArray(reference) !== Array.isArray(candidate)) {
    leaf(out, rules, '', '', reference, candidate);
    return out;
  }
  const root = { doc: reference };
  const candRoot = { doc: candidate };
  if (rules.needsPreparation) prepare(out, rules, root, candRoot, 'doc', '', '');
  const changes = jsonDiff(root.doc, candRoot.doc, { embeddedObjKeys: rules.embeddedObjKeys });
  walk(out, rules, changes, root.doc, candRoot.doc, '', '', Array.isArray(root.doc) ? '$index' : undefined);
  return out;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/**
 * Walks both documents in step. `refParent[key]` and `candParent[key]` are the values at `pointer`;
 * they may be replaced (settled arrays) or deleted (ignored paths).
 */
function prepare(out: Difference[], rules: JsonRules, refParent: Record<string, unknown>, candParent: Record<string, unknown>, key: string, pointer: string, norm: string): void {
  const ref = refParent[key];
  const cand = candParent[key];
  if (Array.isArray(ref) && Array.isArray(cand)) {
    if (rules.keyed(pointer)) return prepareKeyed(out, rules, ref, cand, pointer, norm);
    if (rules.unordered(pointer)) {
      settleUnordered(out, ref, cand, pointer, norm);
      candParent[key] = ref;
      return;
    }
    const n = Math.min(ref.length, cand.length);
    for (let i = 0; i < n; i++) step(out, rules, ref as never, cand as never, String(i), child(pointer, i), `${norm}/*`);
    return;
  }
  if (isContainer(ref) && isContainer(cand) && !Array.isArray(ref) && !Array.isArray(cand)) {
    for (const k of Object.keys(ref)) step(out, rules, ref, cand, k, child(pointer, k), child(norm, k));
    for (const k of Object.keys(cand)) if (!(k in ref) && rules.ignored(child(pointer, k))) delete cand[k];
  }
}

function step(out: Difference[], rules: JsonRules, ref: Record<string, unknown>, cand: Record<string, unknown>, key: string, pointer: string, norm: string): void {
  if (rules.ignored(pointer)) {
    // Array elements cannot be deleted without shifting their neighbours: blank them on both sides.
    if (Array.isArray(ref)) {
      ref[Number(key)] = null;
      if (Array.isArray(cand) && Number(key) < cand.length) cand[Number(key)] = null;
    } else {
      delete ref[key];
      delete cand[key];
    }
    return;
  }
  if (key in cand) prepare(out, rules, ref, cand, key, pointer, norm);
}

function prepareKeyed(out: Difference[], rules: JsonRules, ref: unknown[], cand: unknown[], pointer: string, norm: string): void {
  const keyName = rules.embeddedObjKeys.get(pointer.split('/').filter((s) => s !== '' && !/^\d+$/.test(s)).join('.'));
  if (!keyName) return;
  const byKey = new Map<string, number>();
  cand.forEach((el, i) => isContainer(el) && byKey.set(String((el as Record<string, unknown>)[keyName]), i));
  ref.forEach((el, i) => {
    if (!isContainer(el)) return;
    const j = byKey.get(String((el as Record<string, unknown>)[keyName]));
    if (j === undefined) return;
    // Pair the two elements under one temporary key so rules apply inside them as usual.
    const pair = { ref: { e: el }, cand: { e: cand[j] } };
    prepare(out, rules, pair.ref, pair.cand, 'e', child(pointer, i), `${norm}/*`);
    cand[j] = pair.cand.e;
  });
}

function settleUnordered(out: Difference[], ref: unknown[], cand: unknown[], pointer: string, norm: string): void {
  const remaining = new Map<string, number[]>();
  cand.forEach((el, i) => {
    const c = canonical(el);
    remaining.set(c, [...(remaining.get(c) ?? []), i]);
  });
  ref.forEach((el, i) => {
    const matches = remaining.get(canonical(el));
    if (matches && matches.length > 0) matches.shift();
    else out.push(difference('missing', child(pointer, i), `${norm}/*`, el, undefined));
  });
  for (const indices of remaining.values()) {
    for (const i of indices) out.push(difference('extra', child(pointer, i), `${norm}/*`, undefined, cand[i]));
  }
}

/** Turns json-diff-ts changes at one level into differences, descending into nested changes. */
function walk(out: Difference[], rules: JsonRules, changes: IChange[], ref: unknown, cand: unknown, pointer: string, norm: string, embeddedKey: unknown): void {
  const removed = new Map<string, IChange>();
  const added = new Set<string>();
  for (const c of changes) {
    if (c.type === 'REMOVE') removed.set(c.key, c);
    else if (c.type === 'ADD') added.add(c.key);
  }

  for (const change of changes) {
    const inArray = Array.isArray(ref) || Array.isArray(cand);
    const refIndex = inArray ? indexOf(ref, change.key, embeddedKey) : undefined;
    const candIndex = inArray ? indexOf(cand, change.key, embeddedKey) : undefined;
    const segment = inArray ? (change.type === 'ADD' ? candIndex : (refIndex ?? candIndex)) ?? change.key : change.key;
    const at = change.key === '$root' ? pointer : child(pointer, segment);
    const atNorm = change.key === '$root' ? norm : inArray ? `${norm}/*` : child(norm, change.key);
    const refChild = change.key === '$root' ? ref : inArray ? (refIndex === undefined ? undefined : (ref as unknown[])[refIndex]) : (ref as Record<string, unknown>)?.[change.key];
    const candChild = change.key === '$root' ? cand : inArray ? (candIndex === undefined ? undefined : (cand as unknown[])[candIndex]) : (cand as Record<string, unknown>)?.[change.key];

    if (change.changes) {
      if (Array.isArray(refChild) && Array.isArray(candChild)) {
        if (refChild.length !== candChild.length) {
          out.push(difference('array_length', at, atNorm, refChild.length, candChild.length));
        } else if (change.embeddedKey === '$index' && isPermutation(refChild, candChild, change.changes)) {
          out.push(difference('order', at, atNorm, refChild, candChild));
          continue;
        }
      }
      walk(out, rules, change.changes, refChild, candChild, at, atNorm, change.embeddedKey);
    } else if (change.type === 'UPDATE') {
      leaf(out, rules, at, atNorm, change.oldValue, change.value);
    } else if (change.type === 'REMOVE') {
      // A REMOVE and an ADD of the same key is json-diff-ts's way of saying the type changed.
      if (!added.has(change.key)) out.push(difference('missing', at, atNorm, change.value, undefined));
    } else if (removed.has(change.key)) {
      out.push(difference('type', at, atNorm, removed.get(change.key)!.value, change.value));
    } else if (!rules.ignoreAdded) {
      out.push(difference('extra', at, atNorm, undefined, change.value));
    }
  }
}

function indexOf(array: unknown, key: string, embeddedKey: unknown): number | undefined {
  if (!Array.isArray(array)) return undefined;
  if (embeddedKey === '$index' || embeddedKey === undefined) {
    const i = Number(key);
    return i < array.length ? i : undefined;
  }
  if (typeof embeddedKey !== 'string') return undefined;
  const i = array.findIndex((el) => isContainer(el) && String((el as Record<string, unknown>)[embeddedKey]) === key);
  return i < 0 ? undefined : i;
}

function leaf(out: Difference[], rules: JsonRules, pointer: string, norm: string, ref: unknown, cand: unknown): void {
  if (ref === cand) return;
  if (typeOf(ref) !== typeOf(cand)) {
    out.push(difference('type', pointer, norm, ref, cand));
  } else if (typeof ref === 'number' && typeof cand === 'number') {
    if (!withinTolerance(ref, cand, rules.tolerance)) out.push(difference('value', pointer, norm, ref, cand));
  } else if (!deepEqual(ref, cand)) {
    out.push(difference('value', pointer, norm, ref, cand));
  }
}

export function withinTolerance(a: number, b: number, tolerance: CompareRules['tolerance']): boolean {
  const delta = Math.abs(a - b);
  return delta <= tolerance.absolute || delta <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

/** JSON types: null and arrays are types of their own. */
export function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function difference(kind: DiffKind, path: string, normalizedPath: string, reference: unknown, candidate: unknown): Difference {
  const d: Difference = { path, normalizedPath, kind, severity: severityOf(kind), noise: false };
  if (reference !== undefined) d.reference = reference;
  if (candidate !== undefined) d.candidate = candidate;
  return d;
}

/** A serialisation in which equal JSON values are equal strings (object keys sorted). */
export function canonical(value: unknown): string {
  if (!isContainer(value)) return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(',')}}`;
}

/**
 * Same elements, other order? Cheap rejection first: the first changed element of the candidate
 * must occur elsewhere in the reference, which a plain value change almost never does.
 */
function isPermutation(ref: unknown[], cand: unknown[], changes: IChange[]): boolean {
  if (ref.length < 2) return false;
  const first = Number(changes[0]?.key);
  if (!Number.isInteger(first) || first >= cand.length) return false;
  const probe = cand[first];
  if (!ref.some((el, i) => i !== first && deepEqual(el, probe))) return false;
  return sameMultiset(ref, cand);
}

function sameMultiset(a: unknown[], b: unknown[]): boolean {
  const counts = new Map<string, number>();
  for (const el of a) {
    const c = canonical(el);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  for (const el of b) {
    const c = canonical(el);
    const n = counts.get(c);
    if (!n) return false;
    counts.set(c, n - 1);
  }
  return true;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((el, i) => deepEqual(el, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return ka.length === Object.keys(bo).length && ka.every((k) => k in bo && deepEqual(a[k], bo[k]));
}
