// The `shadowdiff` command as a process: exit codes, messages, start-up and graceful shutdown.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePortPair } from '../helpers/ports';
import { json, TestUpstream } from '../helpers/upstream';
import { call, eventually, LISTEN } from '../helpers/proxy';
import { LiveCli, runCli, writeTemp } from '../helpers/cli';

const listenAnywhere = `${LISTEN}
[sink]
type = "stdout"
`;

describe('shadowdiff command', () => {
  it('prints --version and --help', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(require('../../package.json').version);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--config <file>');
  });

  it('exits 2 with file, key and reason for an invalid config, and no stack trace', async () => {
    const file = writeTemp('bad.toml', `[upstreams]\nreference = "http://127.0.0.1:1"\n[[routes]]\nname = "a"\npath = "/a"\n[[routes]]\nname = "b"\npath = "/b"\n[[routes]]\nname = "c"\npath = "/c"\ncandidate = "localhost:9002"\ntimeuot_ms = 5\n`);
    const result = await runCli(['--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `shadowdiff: invalid configuration\n${file}: routes[2].candidate: must be an http:// or https:// URL, got "localhost:"\n${file}: routes[2].timeuot_ms: unknown key\n`,
    );
    expect(result.stdout).toBe('');
  });

  it('exits 2 when the config file is missing, naming it', async () => {
    const result = await runCli(['--config', '/nonexistent/shadowdiff.toml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('shadowdiff: invalid configuration\n/nonexistent/shadowdiff.toml: file not found\n');
  });

  it('takes the config path from SHADOWDIFF_CONFIG and validates with --check', async () => {
    const file = writeTemp('ok.toml', `[upstreams]\nreference = "http://127.0.0.1:1"\n`);
    const result = await runCli(['--check'], { SHADOWDIFF_CONFIG: file });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${file}: valid`);
  });

  it('exits 2 for an unknown option', async () => {
    const result = await runCli(['--confg', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--confg'");
  });

  it('exits 1 with one clear line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const file = writeTemp('c.toml', `[listen]\nhost = "127.0.0.1"\nport = ${port}\n[admin]\nenabled = false\n[sink]\ntype = "stdout"\n[upstreams]\nreference = "http://127.0.0.1:1"\n`);
    const result = await runCli(['--config', file]);
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`shadowdiff: cannot listen on 127.0.0.1:${port}: address already in use\n`);
  });

  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
    const reference = await TestUpstream.start();
    const candidate = await TestUpstream.start(json({ c: 1 }));
    reference.respond = reference.hold;
    const file = writeTemp('c.toml', `${listenAnywhere}\n[upstreams]\nreference = "${reference.url}"\ncandidate = "${candidate.url}"\n[[routes]]\nname = "a"\npath = "/a"\n`);
    const cli = LiveCli.start(['--config', file]);
    try {
      const { proxy } = (await cli.waitFor('shadowdiff listening')) as { proxy: string };
      const inFlight = call(`${proxy}/a`, { headers: { authorization: 'Bearer never-log-me' } });
      await reference.received(1);
      cli.child.kill('SIGTERM');
      await cli.waitFor('shutting down: finishing in-flight requests and shadows');
      reference.release(json({ done: true }));
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ done: true });
      expect(await cli.exited).toBe(0);
      expect(await cli.waitFor('stopped')).toMatchObject({ drained: true });
      // The shadow of the in-flight request was finished too, not cut off.
      expect(candidate.requests).toHaveLength(1);
      expect(cli.raw()).not.toContain('never-log-me');
    } finally {
      cli.child.kill('SIGKILL');
      await Promise.all([reference.close(), candidate.close()]);
    }
  });

  it('runs several workers on one port with aggregated metrics, and drains them all on SIGTERM', async () => {
    const reference = await TestUpstream.start(json({ ok: 1 }));
    const candidate = await TestUpstream.start(json({ ok: 1 }));
    const port = await freePortPair();
    const dir = writeTemp('x', '').replace(/\/x$/, '');
    const file = writeTemp(
      'c.toml',
      `[listen]\nhost = "127.0.0.1"\nport = ${port}\nworkers = 2\n[admin]\nhost = "127.0.0.1"\nport = ${port + 1}\n[sink]\npath = "${dir}/events.ndjson"\n[upstreams]\nreference = "${reference.url}"\ncandidate = "${candidate.url}"\n[[routes]]\nname = "a"\npath = "/a"\n`,
    );
    const cli = LiveCli.start(['--config', file]);
    try {
      await cli.waitFor('shadowdiff primary started its workers');
      const admin = `http://127.0.0.1:${port + 1}`;
      await eventually(async () => (await call(`${admin}/readyz`).catch(() => ({ status: 0 }))).status === 200, 'both workers ready', 20_000);
      await eventually(async () => (await call(`http://127.0.0.1:${port}/a`).catch(() => ({ status: 0 }))).status === 200, 'a worker answering', 20_000);
      for (let i = 0; i < 19; i++) expect((await call(`http://127.0.0.1:${port}/a`)).status).toBe(200);
      const metrics = (await call(`${admin}/metrics`)).body.toString();
      expect(metrics).toMatch(/shadowdiff_requests_total\{route="a",method="GET",status="200"\} 20/);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      // Each worker wrote its own event file.
      expect(readdirSync(dir).filter((f) => /^events\.w[12]\.ndjson$/.test(f)).length).toBeGreaterThanOrEqual(1);
    } finally {
      cli.child.kill('SIGKILL');
      await Promise.all([reference.close(), candidate.close()]);
    }
  });
});
