// Noise: differences expected between any two calls. Two sources, both leaving the difference
// visible in the event with `noise: true`: a second reference (what differs between two production
// instances is not the candidate's fault) and detectors for values that change on every call.
import type { Difference, NoiseDetector } from './types';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REQUEST_ID_KEY = /(^|[_-])(request|req|trace|correlation|span)[_-]?id$|^(requestid|traceid|correlationid|spanid|x-request-id|x-correlation-id)$/i;
// Epoch seconds or milliseconds between 2001 and 2286: a number that big and that round is a clock.
const EPOCH_SECONDS = [1e9, 1e10] as const;
const EPOCH_MILLIS = [1e12, 1e13] as const;

function isTimestamp(value: unknown): boolean {
  if (typeof value === 'string') return ISO_TIMESTAMP.test(value) || HTTP_DATE.test(value);
  if (typeof value === 'number' && Number.isInteger(value)) {
    return (value >= EPOCH_SECONDS[0] && value < EPOCH_SECONDS[1]) || (value >= EPOCH_MILLIS[0] && value < EPOCH_MILLIS[1]);
  }
  return false;
}

function lastSegment(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1);
}

const DETECTORS: Record<NoiseDetector, (d: Difference) => boolean> = {
  timestamp: (d) => isTimestamp(d.reference) && isTimestamp(d.candidate),
  uuid: (d) => typeof d.reference === 'string' && typeof d.candidate === 'string' && UUID.test(d.reference) && UUID.test(d.candidate),
  request_id: (d) => REQUEST_ID_KEY.test(lastSegment(d.path)),
};

/** Marks value differences that the route's detectors recognise. Returns the same array. */
export function applyDetectors(differences: Difference[], detectors: readonly NoiseDetector[]): Difference[] {
  if (detectors.length === 0) return differences;
  for (const d of differences) {
    if (d.noise || d.kind !== 'value') continue;
    const hit = detectors.find((name) => DETECTORS[name](d));
    if (hit) {
      d.noise = true;
      d.noiseReason = hit;
    }
  }
  return differences;
}

/**
 * Marks as noise every candidate difference whose normalised path (and kind) also differs between
 * the reference and the secondary reference. Returns the same array.
 */
export function applySecondary(differences: Difference[], betweenReferences: readonly Difference[]): Difference[] {
  if (betweenReferences.length === 0) return differences;
  const noisy = new Set(betweenReferences.map((d) => `${d.kind} ${d.normalizedPath}`));
  const noisyPaths = new Set(betweenReferences.map((d) => d.normalizedPath));
  for (const d of differences) {
    if (d.noise) continue;
    // A value that differs between two references may also differ in type against the candidate;
    // the path is what is volatile, so a matching path is enough for value and type kinds.
    const volatile = noisy.has(`${d.kind} ${d.normalizedPath}`) || ((d.kind === 'value' || d.kind === 'type') && noisyPaths.has(d.normalizedPath));
    if (volatile) {
      d.noise = true;
      d.noiseReason = 'secondary';
    }
  }
  return differences;
}
