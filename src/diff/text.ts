// Text bodies: a line-level summary of where the two versions part ways.
import type { Difference } from './types';

const MAX_LINE = 200;

export function compareText(reference: string, candidate: string): Difference[] {
  if (reference === candidate) return [];
  const a = reference.split(/\r?\n/);
  const b = candidate.split(/\r?\n/);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [
    {
      path: '',
      normalizedPath: '',
      kind: 'body_text',
      reference: clip(a[start]),
      candidate: clip(b[start]),
      severity: 'medium',
      noise: false,
      detail: {
        firstDifferentLine: start + 1,
        referenceLines: a.length,
        candidateLines: b.length,
        changedReferenceLines: endA - start,
        changedCandidateLines: endB - start,
      },
    },
  ];
}

function clip(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}
