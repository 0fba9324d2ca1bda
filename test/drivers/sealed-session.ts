import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Driver, Session, TargetConfig } from '../../drivers/driver.ts';
import type { Capture } from '../../src/capture/proxy.ts';
import { SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import type { Mode } from '../../src/model/flow.ts';
import { sealUnavailable } from '../../src/seal/namespace.ts';
import { openSeal } from '../../src/seal/seal.ts';
import { describeUnless } from '../skip-reason.ts';
import { openTestCapture, removeTestDir } from './behind-capture.ts';

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
  const { dir, capture } = await openTestCapture(driver, target, mode, 'sealed');
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
    removeTestDir(dir);
  }
}

/**
 * The sealed-network test of a driver (skipped, saying why, where no namespace can be made): the
 * browser, launched inside a seal, loads the search engine's page through the proxy's bridge; `also`
 * checks more of the same session.
 */
export function describeSealedVisit(
  title: string,
  driver: Driver,
  target: TargetConfig,
  options: {
    mode?: Mode;
    retry?: number;
    timeout?: number;
    also?: (session: Session) => Promise<void>;
  } = {},
): void {
  describeUnless(sealUnavailable())(`${title}, sealed network`, () => {
    it('should run inside a sealed namespace and reach the proxy through its bridge', {
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeout ? { timeout: options.timeout } : {}),
    }, async () => {
      await withSealedSession(driver, target, options.mode ?? 'normal', async (session, capture) => {
        await session.visit(SEARCH_ENGINE_URL);
        expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(true);
        await options.also?.(session);
      });
    });
  });
}
