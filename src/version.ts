// The package version, for --version of both commands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(): string {
  // Compiled (dist/src, dist/analysis) or from sources (src): package.json is one or two levels up.
  for (const up of [['..'], ['..', '..']]) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next level
    }
  }
  return 'unknown';
}
