// Diff events built by hand, for fixtures with exactly known aggregates.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from '../../src/events/build';
import type { DiffEvent, Outcome } from '../../src/events/types';
import type { Difference, DiffKind, Severity } from '../../src/diff/types';

export interface EventSpec {
  route?: string;
  outcome?: Outcome;
  referenceMs?: number;
  candidateMs?: number;
  referenceStatus?: number;
  candidateStatus?: number;
  differences?: Partial<Difference>[];
  secondaryDifferences?: { path: string; kind?: DiffKind }[];
  timestamp?: string;
  id?: string;
}

export function diff(path: string, kind: DiffKind, severity: Severity, extra: Partial<Difference> = {}): Partial<Difference> {
  return { path, normalizedPath: path.replace(/\/\d+(?=\/|$)/g, '/*'), kind, severity, noise: false, reference: 1, candidate: 2, ...extra };
}

export function makeEvent(spec: EventSpec = {}): DiffEvent {
  const differences = (spec.differences ?? []).map((d) => ({ path: '/x', normalizedPath: '/x', kind: 'value' as const, severity: 'medium' as const, noise: false, ...d })) as Difference[];
  const outcome = spec.outcome ?? (differences.some((d) => !d.noise) ? 'mismatch' : 'match');
  const route = spec.route ?? 'users';
  const event: DiffEvent = {
    schema: 'shadowdiff.diff-event/v1',
    id: spec.id ?? randomUUID(),
    timestamp: spec.timestamp ?? '2026-11-21T10:00:00.000Z',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    route: { name: route, pattern: `/${route}/{id}`, params: { id: '1' } },
    request: { method: 'GET', path: `/${route}/1`, query: 'a=1', headers: { accept: 'application/json', authorization: '[redacted:0123456789]' }, body: { size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } },
    reference: { url: `http://ref:8000/${route}/1`, latencyMs: spec.referenceMs ?? 5, status: spec.referenceStatus ?? 200 },
    candidate: outcome === 'candidate_error' ? { url: `http://cand:8000/${route}/1`, latencyMs: spec.candidateMs ?? 1, error: { code: 'reset', message: 'reset' } } : { url: `http://cand:8000/${route}/1`, latencyMs: spec.candidateMs ?? 6, status: spec.candidateStatus ?? 200 },
    outcome,
    bodyFormat: 'json',
    differences,
    summary: summarize(differences),
    truncated: false,
  };
  if (spec.secondaryDifferences) event.secondaryDifferences = spec.secondaryDifferences.map((d) => ({ path: d.path, normalizedPath: d.path, kind: d.kind ?? 'value' }));
  return event;
}

export function writeNdjson(lines: (object | string)[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'shadowdiff-events-')), 'events.ndjson');
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}
