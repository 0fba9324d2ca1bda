import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlowLog } from '../../src/capture/flow-log.ts';
import { writeHar } from '../../src/capture/har.ts';
import { type ScanOutput, scanFiles } from '../../src/commands/scan.ts';
import { CANARY, canary, makeFlow } from '../detect/helpers.ts';
import { runScan } from './run-scan.ts';

const IMEI = '356938035643809';
const HAR = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'har', `${name}.har`);

async function scanJson(files: string[]): Promise<ScanOutput> {
  const r = await runScan([...files, '--canary', CANARY, '--identifier', `imei=${IMEI}`, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as ScanOutput;
}

afterEach(() => vi.restoreAllMocks());

describe('phonehome scan', () => {
  it('should find the canary in a Chrome DevTools HAR through form, base64 and JSON', async () => {
    const { findings } = await scanJson([HAR('chrome-devtools')]);
    expect(findings).toEqual([
      {
        file: HAR('chrome-devtools'),
        entry: 1,
        host: 'telemetry.vendor.test',
        url: 'https://telemetry.vendor.test/v1/collect',
        where: 'body',
        chain: ['form:data', 'base64', 'json:$.events[0].url', 'url', 'query:q'],
        token: CANARY,
        kind: 'canary',
      },
    ]);
  });

  it('should read cookies and JSON bodies from a Playwright HAR', async () => {
    const { findings } = await scanJson([HAR('playwright')]);
    expect(findings.map((f) => [f.entry, f.where, f.chain.join(' > '), f.kind])).toEqual([
      [0, 'cookie:uid', '', 'canary'],
      [0, 'body', 'json:$.device.imei', 'imei'],
    ]);
  });

  it('should decode a base64-encoded binary postData from an HTTP Toolkit HAR', async () => {
    const { findings } = await scanJson([HAR('http-toolkit')]);
    expect(findings.map((f) => [f.entry, f.where, f.chain.join(' > ')])).toEqual([
      [0, 'body', 'gzip > json:$.q'],
    ]);
  });

  it('should find an encoded URL in the query and a hashed IMEI in a mitmproxy HAR', async () => {
    const { findings } = await scanJson([HAR('mitmproxy')]);
    expect(findings.map((f) => [f.where, f.chain.join(' > '), f.kind])).toEqual([
      ['url-query:ref', 'url > query:q', 'canary'],
      ['body', 'form:h', 'imei'],
    ]);
  });

  it("should read phonehome's own NDJSON flow log and HAR written by writeHar alike", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-scan-'));
    const flows = [
      makeFlow('https://a.test/x', 'nothing', [], 0),
      makeFlow(`https://b.test/?q=${CANARY}`, '', [], 1),
    ];
    const log = new FlowLog(join(dir, 'flows.ndjson'));
    for (const f of flows) log.appendFlow(f);
    log.appendGap({ kind: 'tls-opaque', host: 'pinned.test', reason: 'handshake aborted' });
    log.close();
    await writeHar(join(dir, 'flows.har'), flows);
    const nd = await scanJson([join(dir, 'flows.ndjson')]);
    const har = await scanJson([join(dir, 'flows.har')]);
    expect(nd.findings.map((f) => [f.entry, f.where])).toEqual([[1, 'url-query:q']]);
    expect(har.findings.map((f) => [f.entry, f.where])).toEqual([[1, 'url-query:q']]);
    expect(nd.gaps.map((g) => g.kind)).toEqual(['tls-opaque']);
  });

  it('should print a readable report without --json', async () => {
    const r = await runScan([HAR('chrome-devtools'), '--canary', CANARY]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 finding(s) in 2 flow(s)');
    expect(r.out).toContain('form:data → base64 → json:$.events[0].url');
    expect(r.out).toContain(`«${CANARY}»`);
  });

  it('should exit 2 with "file: reason" on unreadable input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-scan-'));
    const bad = join(dir, 'bad.har');
    await writeFile(bad, '{"log": {"entries": [{"request": {"url": 5}}]}}');
    for (const [file, reason] of [
      [join(dir, 'missing.har'), 'no such file'],
      [bad, 'log.entries[0].request.method'],
    ] as const) {
      const r = await runScan([file, '--canary', CANARY]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(`${file}: ${reason}`);
    }
  });

  it('should name a missing file among several before reading any of them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phonehome-scan-'));
    const missing = join(dir, 'missing.ndjson');
    const seen: unknown[] = [];
    await expect(
      scanFiles([HAR('playwright'), missing], { tokens: [canary()] }, { onProgress: (p) => seen.push(p) }),
    ).rejects.toThrow(`${missing}: no such file`);
    // Not one entry of the first file was analysed.
    expect(seen).toEqual([]);
    const r = await runScan([HAR('playwright'), missing, '--canary', CANARY]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${missing}: no such file\n`);
  });

  it('should exit 2 with the usage line on bad arguments', async () => {
    for (const argv of [
      [HAR('playwright')],
      ['--canary', CANARY],
      [HAR('playwright'), '--identifier', 'shoe=42'],
      [HAR('playwright'), '--bogus'],
    ]) {
      const r = await runScan(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain('usage: phonehome scan FILE...');
    }
  });
});
