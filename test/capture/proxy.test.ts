import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mockttp from 'mockttp';
import { afterEach, describe, expect, it } from 'vitest';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { createWebSink } from '../../src/harness/web/web-sink.ts';
import { httpsViaProxy, httpViaProxy } from './proxy-client.ts';

const provenance = { runId: 'test', target: 'probe:normal', scenario: 'unit', mode: 'normal' as const };
let capture: Capture | undefined;

afterEach(async () => {
  await capture?.stop();
  capture = undefined;
});

async function start(keepKey = false): Promise<{ capture: Capture; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-capture-'));
  capture = await startCapture({ provenance, dir, sink: createWebSink(), keepKey });
  return { capture, dir };
}

describe('capture proxy', () => {
  it('should serve the fixture search engine over intercepted HTTPS and record the flow with provenance', async () => {
    const { capture } = await start();
    const res = await httpsViaProxy({
      proxyPort: capture.endpoint.port,
      host: 'search.phonehome.test',
      path: '/search?q=phcanary123',
      ca: capture.endpoint.caCertPem,
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('class="result"');
    const [flow] = capture.flows();
    expect(flow?.request.url).toBe('https://search.phonehome.test/search?q=phcanary123');
    expect(flow?.transport).toBe('https');
    expect(flow).toMatchObject({ target: 'probe:normal', scenario: 'unit', mode: 'normal', seq: 0 });
  });

  it('should answer unknown hosts itself and keep request bodies byte for byte', async () => {
    const { capture } = await start();
    const body = Buffer.from([0, 1, 2, 255, 254, 10]);
    const res = await httpsViaProxy({
      proxyPort: capture.endpoint.port,
      host: 'telemetry.vendor.test',
      path: '/v1',
      method: 'POST',
      body,
      ca: capture.endpoint.caCertPem,
    });
    expect(res.status).toBe(204);
    const flow = capture.flows()[0];
    expect(Buffer.from(flow?.request.bodyBase64 ?? '', 'base64').equals(body)).toBe(true);
  });

  it('should append each flow to the NDJSON log as it arrives, before stop', async () => {
    const { capture } = await start();
    await httpViaProxy(capture.endpoint.port, 'http://plain.vendor.test/ping?id=phplain1', 'x=1');
    await httpViaProxy(capture.endpoint.port, 'http://plain.vendor.test/ping?id=phplain2');
    const onDisk = readFlowLog(readFileSync(capture.logPath, 'utf8')).flows;
    expect(onDisk.map((f) => f.request.url)).toEqual([
      'http://plain.vendor.test/ping?id=phplain1',
      'http://plain.vendor.test/ping?id=phplain2',
    ]);
    expect(onDisk[0]?.tls).toBeNull();
  });

  it('should record a gap when a client refuses the run CA (as a pinning client does)', async () => {
    const { capture } = await start();
    const other = await mockttp.generateCACertificate();
    await expect(
      httpsViaProxy({ proxyPort: capture.endpoint.port, host: 'pinned.vendor.test', ca: other.cert }),
    ).rejects.toThrow();
    await expect.poll(() => capture.gaps().map((g) => g.kind)).toContain('tls-opaque');
    const gap = capture.gaps().find((g) => g.kind === 'tls-opaque');
    expect(gap?.host).toBe('pinned.vendor.test');
    expect(capture.flows()).toHaveLength(0);
  });

  it('should keep the CA key private (0600) and delete it at stop unless kept', async () => {
    const first = await start();
    const key = join(first.dir, 'ca-key.pem');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    await first.capture.stop();
    expect(existsSync(key)).toBe(false);
    const kept = await start(true);
    await kept.capture.stop();
    expect(existsSync(join(kept.dir, 'ca-key.pem'))).toBe(true);
  });

  it('should listen on the loopback address only', async () => {
    const { capture } = await start();
    // /proc/net/tcp lists listening sockets with their local address in hex (0100007F = 127.0.0.1).
    const port = capture.endpoint.port.toString(16).toUpperCase().padStart(4, '0');
    const lines = [
      readFileSync('/proc/net/tcp', 'utf8'),
      existsSync('/proc/net/tcp6') ? readFileSync('/proc/net/tcp6', 'utf8') : '',
    ]
      .join('\n')
      .split('\n')
      .filter((l) => l.includes(`:${port} `) && l.trim().split(/\s+/)[3] === '0A');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trim().split(/\s+/)[1]).toBe(`0100007F:${port}`);
  });
});
