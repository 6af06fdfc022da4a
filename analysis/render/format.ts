// Small formatting helpers shared by the renderers.
export const percent = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 2)}%`;
export const ms = (value: number | undefined) => (value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1));
export const times = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}x`);

export function value(v: unknown, max = 60): string {
  if (v === undefined) return '∅';
  const text = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
