import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import {
  cleanLeftoverNamespaces,
  ip,
  isAlive,
  leftoverNamespaces,
  NAMESPACE_PREFIX,
  sealUnavailable,
} from '../../src/seal/namespace.ts';
import { parsePcap } from '../../src/seal/packets.ts';
import { openSeal, type Seal } from '../../src/seal/seal.ts';
import { describeUnless } from '../skip-reason.ts';

const unavailable = sealUnavailable();
const provenance = { runId: 'seal-test', target: 'probe:normal', scenario: 'seal', mode: 'normal' as const };
let capture: Capture | undefined;
let seal: Seal | undefined;

afterEach(async () => {
  await seal?.close();
  await capture?.stop();
  seal = undefined;
  capture = undefined;
});

/** Runs a Node script inside the namespace and returns its stdout. */
async function inside(s: Seal, script: string): Promise<string> {
  const { command, args } = s.wrap(process.execPath, ['-e', script]);
  // Asynchronous: the host side of the bridge lives in this process and must keep running.
  return (await promisify(execFile)(command, args, { timeout: 20_000 })).stdout;
}

const BYPASS = `
const dgram = require('node:dgram');
const net = require('node:net');
const dns = require('node:dns');
const udp = dgram.createSocket('udp4');
udp.send('hello', 443, '198.51.100.7', () => udp.close());
const tcp = net.connect(8443, '203.0.113.9');
tcp.on('error', () => {});
new dns.Resolver({ timeout: 500, tries: 1 }).resolve4('telemetry.vendor.example', () => {});
setTimeout(() => { tcp.destroy(); process.exit(0); }, 1500);
`;

describeUnless(unavailable)('sealed network namespace', () => {
  it('should record a DNS lookup, a UDP datagram to 443 and a direct TCP connect as three bypass gaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    seal = await openSeal({ dir, inbound: [] });
    await inside(seal, BYPASS);
    const gaps = await seal.close();
    expect(gaps.map((g) => [g.kind, g.protocol, g.host])).toEqual(
      expect.arrayContaining([
        ['bypass', 'dns', 'telemetry.vendor.example'],
        ['bypass', 'quic', '198.51.100.7'],
        ['bypass', 'tcp', '203.0.113.9'],
      ]),
    );
    expect(gaps.find((g) => g.protocol === 'tcp')?.reason).toContain('203.0.113.9:8443');
    // The evidence stays with the capture, readable by anyone with tcpdump.
    expect(parsePcap(readFileSync(join(dir, 'bypass.pcap'))).length).toBeGreaterThanOrEqual(3);
  });

  it('should reach the capture proxy from inside through the loopback bridge, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    capture = await startCapture({ provenance, dir });
    const port = capture.endpoint.port;
    seal = await openSeal({ dir, inbound: [port] });
    const out = await inside(
      seal,
      `const http = require('node:http');
       http.get({ host: '127.0.0.1', port: ${port}, path: 'http://beacon.vendor.test/ping?c=phsealed1', headers: { host: 'beacon.vendor.test' } },
         (res) => { console.log(res.statusCode); res.resume(); }).on('error', (e) => console.log(e.code));`,
    );
    expect(out.trim()).toBe('204');
    expect(capture.flows().map((f) => f.request.url)).toEqual(['http://beacon.vendor.test/ping?c=phsealed1']);
    expect(await seal.close()).toEqual([]);
  });

  it('should make a port inside the namespace reachable on the host loopback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    seal = await openSeal({ dir, inbound: [], outbound: [9333] });
    const { command, args } = seal.wrap(process.execPath, [
      '-e',
      `require('node:http').createServer((q, r) => r.end('inside')).listen(9333, '127.0.0.1', () => console.log('up'))`,
    ]);
    const { spawn } = await import('node:child_process');
    const server = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => server.stdout.once('data', r));
    const res = await fetch(`http://127.0.0.1:${seal.hostPort(9333)}/`);
    expect(await res.text()).toBe('inside');
    server.kill('SIGKILL');
  });

  it('should refuse a DNS lookup at once, as a dead resolver does, and still record it when the seal closes right after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    seal = await openSeal({ dir, inbound: [] });
    // Retries and a long timeout: only an answer (ICMP port unreachable) ends this lookup early.
    const out = await inside(
      seal,
      `new (require('node:dns').Resolver)({ timeout: 15000, tries: 3 }).resolve4('right-before-close.example', (e) => { console.log(e && e.code); process.exit(0); });`,
    );
    expect(out.trim()).toBe('ECONNREFUSED');
    // Closed at once: the last attempts before close are in the capture too.
    const gaps = await seal.close();
    expect(gaps.map((g) => [g.protocol, g.host])).toContainEqual(['dns', 'right-before-close.example']);
  });

  it('should run what it wraps as on another machine: its own machine id, hostname and MAC, the host left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    seal = await openSeal({ dir, inbound: [], otherMachine: true });
    const identity = seal.machine;
    expect(identity).toBeDefined();
    const seen = await inside(
      seal,
      `const fs = require('node:fs'); const os = require('node:os');
       console.log(JSON.stringify({ id: fs.readFileSync('/etc/machine-id', 'utf8').trim(), host: os.hostname(),
         macs: Object.values(os.networkInterfaces()).flat().filter((a) => !a.internal).map((a) => a.mac) }));`,
    );
    const inner = JSON.parse(seen) as { id: string; host: string; macs: string[] };
    expect(inner.id).toBe(identity?.machineId);
    expect(inner.host).toBe(identity?.hostname);
    expect(inner.macs).toContain(identity?.mac);
    expect(readFileSync('/etc/machine-id', 'utf8').trim()).not.toBe(identity?.machineId);
    expect(hostname()).not.toBe(identity?.hostname);
  });

  it('should delete the namespace and every process inside it at close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    const s = await openSeal({ dir, inbound: [] });
    const { command, args } = s.wrap('/bin/sleep', ['600']);
    const { spawn } = await import('node:child_process');
    const sleeper = spawn(command, args, { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    expect(sleeper.pid && isAlive(sleeper.pid)).toBe(true);
    await s.close();
    await new Promise((r) =>
      sleeper.exitCode !== null || sleeper.signalCode ? r(undefined) : sleeper.once('exit', r),
    );
    expect(sleeper.signalCode).toBe('SIGKILL');
    expect(ip(['netns', 'list'])).not.toContain(s.name);
    // …and the namespace holding the resolver address.
    expect(ip(['netns', 'list'])).not.toContain(`${s.name}-dns`);
    expect(existsSync(join('/etc/netns', s.name))).toBe(false);
  });

  it('should clean namespaces left by a dead run and keep those of live ones', async () => {
    let dead = 4_000_000;
    while (isAlive(dead)) dead -= 1;
    const orphan = `${NAMESPACE_PREFIX}${dead}-1`;
    ip(['netns', 'add', orphan]);
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-seal-'));
    seal = await openSeal({ dir, inbound: [] });
    expect(leftoverNamespaces()).toContain(orphan);
    expect(cleanLeftoverNamespaces()).toContain(orphan);
    const list = ip(['netns', 'list']);
    expect(list).not.toContain(orphan);
    expect(list).toContain(seal.name);
  });
});

describe('packet capture reader', () => {
  it('should refuse a file that is not a pcap file, naming the reason', () => {
    expect(() => parsePcap(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toThrow(/not a pcap file/);
  });
});
