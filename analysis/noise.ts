// Diffy-style noise scoring: a path counts as a real difference only when it differs against the
// candidate clearly more often than it differs between the two references.

export interface NoiseThresholds {
  /** Candidate rate must exceed the reference-vs-secondary rate by this fraction of it (0.2 = 20%). */
  readonly relative: number;
  /** ... and by at least this absolute rate (0.0003 = 0.03% of requests). */
  readonly absolute: number;
}

export const DIFFY_THRESHOLDS: NoiseThresholds = { relative: 0.2, absolute: 0.0003 };

export function isRealDifference(candidateRate: number, secondaryRate: number, t: NoiseThresholds): boolean {
  if (candidateRate - secondaryRate <= t.absolute) return false;
  if (secondaryRate === 0) return true;
  return candidateRate / secondaryRate - 1 > t.relative;
}
