import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mockttp from 'mockttp';
import type { Driver, ProxyEndpoint, Session, TargetConfig } from '../../drivers/driver.ts';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { createWebSink } from '../../src/harness/web/web-sink.ts';
import type { Mode } from '../../src/model/flow.ts';

/** A driver's browser launched behind a real capture, for the driver tests. */
export interface Launched {
  capture: Capture;
  session: Session;
  /** The test's temporary folder (capture and work folder below it). */
  dir: string;
  /** The launch's work folder (profiles, logs). */
  workDir: string;
}

/**
 * Launches and remembers what it launched: `closeAll()` (in afterAll) closes every browser and
 * capture and deletes the folders.
 */
export function behindCapture(driver: Driver, target: TargetConfig) {
  const launched: Launched[] = [];
  return {
    async launch(
      mode: Mode,
      options: { proxy?: (p: ProxyEndpoint) => ProxyEndpoint; headed?: boolean } = {},
    ): Promise<Launched> {
      const dir = mkdtempSync(join(tmpdir(), `phonehome-${driver.id}-test-`));
      const capture = await startCapture({
        provenance: { runId: 'test', target: `${target.id}:${mode}`, scenario: 'driver', mode },
        dir: join(dir, 'capture'),
        sink: createWebSink(),
      });
      const workDir = join(dir, 'work');
      const session = await driver
        .launch({
          target,
          mode,
          proxy: options.proxy ? options.proxy(capture.endpoint) : capture.endpoint,
          workDir,
          ...(options.headed ? { headed: true } : {}),
        })
        .catch(async (error: unknown) => {
          await capture.stop();
          rmSync(dir, { recursive: true, force: true });
          throw error;
        });
      const entry: Launched = { capture, session, dir, workDir };
      launched.push(entry);
      return entry;
    },
    async closeAll(): Promise<void> {
      for (const { capture, session, dir } of launched) {
        await session.close().catch(() => {});
        await capture.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A proxy endpoint that signs with a CA the browser was not told to trust: what a pinned host looks
 * like. The CA's files live in a folder of their own, deleted by `remove()`.
 */
export async function untrustedCa(): Promise<{ proxy: (p: ProxyEndpoint) => ProxyEndpoint; remove(): void }> {
  const other = await mockttp.generateCACertificate();
  const dir = mkdtempSync(join(tmpdir(), 'phonehome-other-ca-'));
  writeFileSync(join(dir, 'ca.pem'), other.cert);
  const spki = await mockttp.generateSPKIFingerprint(other.cert);
  return {
    proxy: (p) => ({ ...p, caCertPem: other.cert, caCertPath: join(dir, 'ca.pem'), caSpki: spki }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Waits up to `ms` for the capture to record a tls-opaque gap (the handshake the browser refused). */
export async function tlsOpaqueSeen(capture: Capture, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!capture.gaps().some((g) => g.kind === 'tls-opaque') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  return capture.gaps().some((g) => g.kind === 'tls-opaque' && g.host === 'search.phonehome.test');
}
