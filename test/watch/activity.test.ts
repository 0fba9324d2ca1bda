import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFlowLog } from '../../src/capture/flow-log.ts';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { createWebSink } from '../../src/harness/web/web-sink.ts';

/** The capture's activity against a real mockttp proxy and raw HTTP on loopback. */

const provenance = { runId: 'test', target: 'probe:normal', scenario: 'unit', mode: 'normal' as const };
let capture: Capture | undefined;

afterEach(async () => {
  await capture?.stop();
  capture = undefined;
});

async function start(): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-activity-'));
  capture = await startCapture({ provenance, dir, sink: createWebSink() });
  return capture;
}

/** Writes raw bytes to the proxy (plain HTTP, absolute URL) and keeps the socket open. */
function rawRequest(port: number, text: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(text);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

/**
 * Starts a capture and a POST to it whose body (`length` bytes announced) has only `sent` so far:
 * returns once the capture holds it in flight, with the socket to send more on.
 */
async function startPartialPost(
  length: number,
  sent: string,
): Promise<{ capture: Capture; socket: net.Socket }> {
  const capture = await start();
  const socket = await rawRequest(
    capture.endpoint.port,
    `POST http://collector.test/batch HTTP/1.1\r\nHost: collector.test\r\nContent-Length: ${length}\r\n\r\n${sent}`,
  );
  await until(() => capture.activity().inFlight.length === 1);
  return { capture, socket };
}

describe('capture activity', () => {
  it('should report nothing sent before the target sends', async () => {
    const capture = await start();
    expect(capture.activity()).toEqual({ inFlight: [] });
  });

  it('should count a finished request as activity, and not an open idle connection', async () => {
    const capture = await start();
    const before = Date.now();
    const socket = await rawRequest(
      capture.endpoint.port,
      'GET http://collector.test/ping HTTP/1.1\r\nHost: collector.test\r\n\r\n',
    );
    await until(() => capture.flows().length === 1);
    const first = capture.activity();
    expect(first.inFlight).toEqual([]);
    expect(first.lastAt).toBeGreaterThanOrEqual(before);
    // The connection stays open (keep-alive) and sends nothing: the last activity does not move.
    await new Promise((r) => setTimeout(r, 600));
    expect(capture.activity().lastAt).toBe(first.lastAt);
    socket.destroy();
  });

  it('should keep a request whose body is still coming in flight, and report it as still-sending at stop', async () => {
    const { capture, socket } = await startPartialPost(1000, 'phsecret');
    const [open] = capture.activity().inFlight;
    expect(open).toMatchObject({ method: 'POST', url: 'http://collector.test/batch' });
    expect(capture.flows()).toEqual([]);
    await capture.stop();
    socket.destroy();
    const gap = capture.gaps().find((g) => g.kind === 'still-sending');
    expect(gap?.host).toBe('collector.test');
    expect(gap?.reason).toMatch(/POST http:\/\/collector\.test\/batch .*had not finished sending its body/);
    // The gap is in the flow log too, so a report rebuilt from the log keeps it.
    const logged = readFlowLog(readFileSync(capture.logPath, 'utf8')).gaps.filter(
      (g) => g.kind === 'still-sending',
    );
    expect(logged).toHaveLength(1);
  });

  it('should move the last activity when more of a body arrives', async () => {
    const { capture, socket } = await startPartialPost(8, 'ph');
    const early = capture.activity().lastAt ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    socket.write('secret');
    await until(() => capture.flows().length === 1);
    expect(capture.activity().lastAt).toBeGreaterThan(early + 250);
    expect(capture.activity().inFlight).toEqual([]);
    socket.destroy();
  });
});
