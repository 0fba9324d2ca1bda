import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { httpViaProxy } from './proxy-client.ts';

const provenance = { runId: 'test', target: 'probe:normal', scenario: 'hostile', mode: 'normal' as const };
let capture: Capture | undefined;

afterEach(async () => {
  await capture?.stop();
  capture = undefined;
});

async function start(maxBodyBytes?: number): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-hostile-'));
  capture = await startCapture({ provenance, dir, ...(maxBodyBytes ? { maxBodyBytes } : {}) });
  return capture;
}

/** POSTs `size` bytes through the proxy as a stream (the test never holds them in memory). */
function postStream(port: number, size: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: 'http://upload.vendor.test/batch',
        headers: { host: 'upload.vendor.test', ...(chunked ? {} : { 'content-length': String(size) }) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    Readable.from(
      (function* () {
        while (sent < size) {
          const n = Math.min(chunk.length, size - sent);
          sent += n;
          yield chunk.subarray(0, n);
        }
      })(),
    ).pipe(req);
  });
}

describe('hostile input through the live proxy', () => {
  it('should mark a body over the bound as truncated and record a gap, so no claim can pass on it', async () => {
    const c = await start(1000);
    expect(await postStream(c.endpoint.port, 5000, false)).toBe(204);
    const [flow] = c.flows();
    expect(flow?.request.bodyTruncated).toBe(true);
    expect(flow?.request.bodySize).toBe(5000);
    const gap = c.gaps().find((g) => g.kind === 'capture-error');
    expect(gap).toMatchObject({ flowId: flow?.id, host: 'upload.vendor.test' });
    expect(gap?.reason).toMatch(/over the capture's 1000-byte bound/);
  });

  it('should treat a chunked body that arrives empty over the bound as not examined', async () => {
    const c = await start(1000);
    expect(await postStream(c.endpoint.port, 5000, true)).toBe(204);
    expect(c.flows()[0]?.request.bodyTruncated).toBe(true);
    expect(c.gaps().some((g) => g.kind === 'capture-error')).toBe(true);
  });

  // RSS also counts garbage not yet collected, which the rest of the suite's load delays: tried up to
  // three times, each time with a real 100 MB body.
  it('should take a 100 MB body without holding it (memory stays bounded) and keep answering', {
    retry: 2,
  }, async () => {
    const c = await start();
    const before = process.memoryUsage().rss;
    expect(await postStream(c.endpoint.port, 100 * 1024 * 1024, false)).toBe(204);
    const grown = process.memoryUsage().rss - before;
    // The proxy keeps at most its 32 MiB bound of a body; a copy or two in flight is fine, 100 MB is not.
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    expect(c.flows()[0]?.request.bodyTruncated).toBe(true);
    expect((await httpViaProxy(c.endpoint.port, 'http://after.vendor.test/ok')).status).toBe(204);
  });

  it('should record a request with a 1 MB header as unreadable, not crash, and keep answering', async () => {
    const c = await start();
    const status = await new Promise<number>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: c.endpoint.port,
          path: 'http://big.vendor.test/h',
          headers: { host: 'big.vendor.test', 'x-blob': 'a'.repeat(1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(-1));
      req.end();
    });
    expect(status).not.toBe(204);
    await expect.poll(() => c.gaps().map((g) => g.kind)).toContain('capture-error');
    expect((await httpViaProxy(c.endpoint.port, 'http://after.vendor.test/ok')).status).toBe(204);
  });
});
