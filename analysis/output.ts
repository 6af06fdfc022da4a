// `tail` lines and `export` rows: one event or one difference at a time, streaming.
import type { DiffEvent } from '../src/events/types';
import { value } from './render/format';

export function tailLine(event: DiffEvent): string {
  const paths = event.differences
    .filter((d) => !d.noise)
    .slice(0, 3)
    .map((d) => `${d.path || '(body)'}(${d.kind})`);
  const more = event.summary.differences - event.summary.noise - paths.length;
  const status = `${event.reference.status ?? event.reference.error?.code ?? '-'}/${event.candidate.status ?? event.candidate.error?.code ?? '-'}`;
  return [event.timestamp, event.route.name, event.request.method, event.request.path, event.outcome, status, ...paths, more > 0 ? `+${more}` : ''].filter(Boolean).join(' ');
}

export const CSV_COLUMNS = ['event_id', 'timestamp', 'route', 'method', 'path', 'outcome', 'reference_status', 'candidate_status', 'diff_path', 'normalized_path', 'kind', 'severity', 'noise', 'noise_reason', 'reference_value', 'candidate_value'] as const;

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV row per difference; values are JSON text, so types survive the round trip. */
export function csvRows(event: DiffEvent): string[] {
  return event.differences.map((d) =>
    [
      event.id,
      event.timestamp,
      event.route.name,
      event.request.method,
      event.request.path,
      event.outcome,
      String(event.reference.status ?? ''),
      String(event.candidate.status ?? ''),
      d.path,
      d.normalizedPath,
      d.kind,
      d.severity,
      String(d.noise),
      d.noiseReason ?? '',
      d.reference === undefined ? '' : value(d.reference, Infinity),
      d.candidate === undefined ? '' : value(d.candidate, Infinity),
    ]
      .map(csvField)
      .join(','),
  );
}
