// Runs the built `shadowdiff` command as a real process, as users and operators do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli.js');
export const ANALYZE_CLI = join(__dirname, '..', '..', 'dist', 'analysis', 'cli.js');

export function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-test-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running shadowdiff whose JSON log lines can be awaited. */
export class LiveCli {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  private waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    let buffer = '';
    child.stdout!.on('data', (chunk) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.onLine(JSON.parse(line));
        } catch {
          // Not JSON: kept out of the structured lines.
        }
      }
    });
    child.stderr!.on('data', (c) => (this.stderr += c));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(args: string[], env: Record<string, string> = {}): LiveCli {
    return new LiveCli(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }));
  }

  /** Resolves with the first log line (past or future) whose msg is `msg`. */
  waitFor(msg: string): Promise<Record<string, unknown>> {
    const test = (l: Record<string, unknown>) => l.msg === msg;
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  raw(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  private onLine(line: Record<string, unknown>): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
  }
}
