// `npm run demo` end to end, on its own ports, against the test broker.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePortPair } from '../helpers/ports';
import { brokers } from '../helpers/kafka';

it('runs the whole loop and prints a report that finds the planted differences', async () => {
  const base = await freePortPair();
  const more = await freePortPair();
  const env = {
    ...process.env,
    SHADOWDIFF_KAFKA_BROKERS: brokers().join(','),
    SHADOWDIFF_LISTEN_PORT: String(base),
    SHADOWDIFF_ADMIN_PORT: String(base + 1),
    DEMO_REFERENCE_PORT: String(more),
    DEMO_CANDIDATE_PORT: String(more + 1),
    DEMO_REQUESTS: '80',
    NO_COLOR: '1',
  };
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'demo', 'run.js')], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stderr).toContain('80 requests sent');
  // The renamed field, the changed number format, the reordered array, the timestamp noise, the failing endpoint.
  expect(stdout).toMatch(/\/name\s+│ missing/);
  expect(stdout).toMatch(/\/total\s+│ type/);
  expect(stdout).toMatch(/\/tags\s+│ order/);
  expect(stdout).toMatch(/noise \(not counted as differences\): \/servedAt value/);
  expect(stdout).toMatch(/status changes: 200→500/);
}, 180_000);
