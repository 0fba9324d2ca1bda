import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver, Session, TargetConfig } from '../../drivers/driver.ts';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { createWebSink } from '../../src/harness/web/web-sink.ts';
import type { Mode } from '../../src/model/flow.ts';
import { openSeal } from '../../src/seal/seal.ts';

/**
 * Launches a driver's browser inside a sealed namespace behind a real capture, runs `use`, then
 * closes the browser, the seal and the capture and deletes everything, whatever `use` did.
 */
export async function withSealedSession(
  driver: Driver,
  target: TargetConfig,
  mode: Mode,
  use: (session: Session, capture: Capture) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `phonehome-${driver.id}-seal-`));
  const capture = await startCapture({
    provenance: { runId: 'test', target: `${target.id}:${mode}`, scenario: 'sealed', mode },
    dir: join(dir, 'capture'),
    sink: createWebSink(),
  });
  const seal = await openSeal({
    dir: join(dir, 'seal'),
    inbound: [capture.endpoint.port],
    outbound: driver.sealing?.outbound ?? [],
  });
  try {
    const session = await driver.launch({
      target,
      mode,
      proxy: capture.endpoint,
      workDir: join(dir, 'work'),
      seal,
    });
    try {
      await use(session, capture);
    } finally {
      await session.close();
    }
  } finally {
    await seal.close();
    await capture.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
