import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mockttp from 'mockttp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver, ModeEvidence, ProxyEndpoint, Session, TargetConfig } from '../../drivers/driver.ts';
import { type Capture, startCapture } from '../../src/capture/proxy.ts';
import { createWebSink, SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import type { Flow, Mode } from '../../src/model/flow.ts';

/**
 * Deletes a test's folder. A browser's helper processes can still be writing into its profile just
 * after the browser closed (seen: MiniBrowser's mesa_shader_cache, ENOTEMPTY), so the removal is
 * tried again for a second.
 */
export function removeTestDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

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
 * A capture serving the fixture web, in a new temporary folder (`dir`, the capture below it) named
 * after the driver and `scenario`, for a test that launches `target` in `mode` behind it.
 */
export async function openTestCapture(
  driver: Driver,
  target: TargetConfig,
  mode: Mode,
  scenario: string,
): Promise<{ dir: string; capture: Capture }> {
  const dir = mkdtempSync(join(tmpdir(), `phonehome-${driver.id}-${scenario}-`));
  const capture = await startCapture({
    provenance: { runId: 'test', target: `${target.id}:${mode}`, scenario, mode },
    dir: join(dir, 'capture'),
    sink: createWebSink(),
  });
  return { dir, capture };
}

/**
 * Launches and remembers what it launched: `closeAll()` (in afterAll) closes every browser and
 * capture and deletes the folders.
 */
export function behindCapture(driver: Driver, target: TargetConfig) {
  const launched: Launched[] = [];
  const browsers = {
    async launch(
      mode: Mode,
      options: { proxy?: (p: ProxyEndpoint) => ProxyEndpoint; headed?: boolean } = {},
    ): Promise<Launched> {
      const { dir, capture } = await openTestCapture(driver, target, mode, 'driver');
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
          removeTestDir(dir);
          throw error;
        });
      const entry: Launched = { capture, session, dir, workDir };
      launched.push(entry);
      return entry;
    },
    /**
     * Launches in `beforeAll` of the suite it is called in (within `timeout`); the object returned
     * holds that launch from then on, for the suite's tests.
     */
    launchBeforeAll(mode: Mode, timeout = 90_000): Launched {
      const ref = {} as Launched;
      beforeAll(async () => {
        Object.assign(ref, await browsers.launch(mode));
      }, timeout);
      return ref;
    },
    async closeAll(): Promise<void> {
      for (const { capture, session, dir } of launched) {
        await session.close().catch(() => {});
        await capture.stop();
        removeTestDir(dir);
      }
    },
  };
  return browsers;
}

/**
 * The frame the driver tests of the both-mode desktop browsers share: `target` launched behind a
 * capture once in each mode (within `launchTimeout`; every launch closed after the file's tests),
 * and each mode's suite (`title`, `%s` the mode) running the driver's `tests` on that launch.
 * Returns the launcher, for the file's other suites.
 */
export function describeEachMode(
  driver: Driver,
  target: TargetConfig,
  title: string,
  tests: (launched: Launched, mode: Mode) => void,
  launchTimeout?: number,
): ReturnType<typeof behindCapture> {
  const browsers = behindCapture(driver, target);
  afterAll(() => browsers.closeAll());
  describe.each(['normal', 'incognito'] as const)(title, (mode) => {
    tests(browsers.launchBeforeAll(mode, launchTimeout), mode);
  });
  return browsers;
}

/** How itSearchesAndFollows runs. */
export interface SearchStep {
  /** The term typed, before the mode (`phcanaryfk` → `phcanaryfknormal`). */
  canary: string;
  timeout: number;
  /** Tries again, each time for real: real keys on a busy machine are sometimes lost. */
  retry?: number;
  /** What the driver's test checks besides, after the search. */
  afterwards?: (launched: Launched) => void;
}

/**
 * The test every both-mode driver test has: a search typed into the page and its first result
 * followed, over intercepted HTTPS (expectSearchAndFollow).
 */
export function itSearchesAndFollows(launched: Launched, mode: Mode, search: SearchStep): void {
  it('should search by typing into the page and follow the first result, over intercepted HTTPS', {
    ...(search.retry === undefined ? {} : { retry: search.retry }),
    timeout: search.timeout,
  }, async () => {
    await expectSearchAndFollow(launched, `${search.canary}${mode}`);
    search.afterwards?.(launched);
  });
}

/**
 * The test every driver test has: the browser's version as the session names it (`pattern`, e.g.
 * the product name and a dotted number), read from the browser or its package, not made up.
 */
export function itNamesItsVersion(launched: Pick<Launched, 'session'>, pattern: RegExp): void {
  it(`should name its version the way the browser reports it (${pattern.source})`, async () => {
    expect(await launched.session.version()).toMatch(pattern);
  });
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

/**
 * Waits up to `ms` for the capture to record a tls-opaque gap for the fixture search engine (the
 * page's handshake the browser refused).
 */
export async function tlsOpaqueSeen(capture: Capture, ms: number): Promise<boolean> {
  // The page's own handshake: a browser's start-up downloads (GNOME Web's filter list) are refused
  // too, earlier, and must not end the wait.
  const seen = () =>
    capture.gaps().some((g) => g.kind === 'tls-opaque' && g.host === 'search.phonehome.test');
  const deadline = Date.now() + ms;
  while (!seen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return seen();
}

/**
 * Launches (`launch`, given the proxy) behind a proxy that signs with a CA the browser was not told
 * to trust, what a pinned host looks like, and visits the search engine: the browser refused the
 * handshake (a tls-opaque gap within 5 s) and sent no request over it. `visitFails`: the driver's
 * visit then fails (a navigation error) rather than ending on the browser's own error page.
 */
export async function expectUntrustedCaRefused(
  launch: (proxy: (p: ProxyEndpoint) => ProxyEndpoint) => Promise<Launched>,
  visitFails: boolean,
): Promise<void> {
  const ca = await untrustedCa();
  const { session, capture } = await launch(ca.proxy);
  const visit = session.visit(SEARCH_ENGINE_URL);
  if (visitFails) await expect(visit).rejects.toThrow();
  else await visit.catch(() => {});
  expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(false);
  expect(await tlsOpaqueSeen(capture, 5000)).toBe(true);
  ca.remove();
}

/**
 * Types `term` into the fixture search engine's page and follows the first result: the search
 * reached the engine over intercepted HTTPS, and the click loaded an article of the first site.
 * Returns the URLs captured before the click.
 */
export async function expectSearchAndFollow({ session, capture }: Launched, term: string): Promise<string[]> {
  await session.search(term, { engineUrl: SEARCH_ENGINE_URL, via: 'page' });
  const urls = capture.flows().map((f) => f.request.url);
  const results = capture
    .flows()
    .find((f) => f.request.url === `https://search.phonehome.test/search?q=${term}`);
  expect(results?.tls?.intercepted).toBe(true);
  const landed = await session.follow('a.result');
  expect(landed).toMatch(/^https:\/\/news\.site-a\.test\/article\/r[0-9a-f]{12}$/);
  expect(capture.flows().some((f) => f.request.url === landed)).toBe(true);
  return urls;
}

/** Visits the search engine's page: loaded over HTTPS the proxy intercepted, with no gap for its host. */
export async function expectInterceptedVisit({ session, capture }: Launched): Promise<void> {
  await session.visit(SEARCH_ENGINE_URL);
  const flow = capture.flows().find((f) => f.request.url === SEARCH_ENGINE_URL);
  expect(flow?.transport).toBe('https');
  expect(flow?.tls?.intercepted).toBe(true);
  expect(capture.gaps().filter((g) => g.host === 'search.phonehome.test')).toEqual([]);
}

/** Waits up to 30 s for the browser's own requests whose URL includes `part` (sent at start, by itself). */
export async function ownRequests({ capture }: Launched, part: string): Promise<Flow[]> {
  const deadline = Date.now() + 30_000;
  const own = () => capture.flows().filter((f) => f.request.url.includes(part));
  while (own().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  return own();
}

/** What the browser itself says of its mode, which must be `mode`: the evidence, for the test to read its words. */
export async function expectMode({ session }: Pick<Launched, 'session'>, mode: Mode): Promise<ModeEvidence> {
  const evidence = await session.mode();
  expect(evidence.incognito).toBe(mode === 'incognito');
  return evidence;
}

/**
 * What the browser itself says of its mode, which must be `mode`, in the words it uses for that mode
 * (`says`); in incognito it has stored no website data (`stored` reads the paths it keeps).
 * Returns the paths stored, for the test to read.
 */
export async function expectOwnMode(
  launched: Launched,
  mode: Mode,
  stored: () => string[],
  says: Partial<Record<Mode, string[]>>,
): Promise<string[]> {
  const evidence = await expectMode(launched, mode);
  const paths = stored();
  for (const words of says[mode] ?? []) expect(evidence.how).toContain(words);
  if (mode === 'incognito') expect(paths).toEqual([]);
  return paths;
}

/**
 * The browser's own requests to a URL including `part`, sent by itself at start: they went through
 * the proxy over intercepted HTTPS, and no handshake was refused.
 */
export async function expectOwnRequestsRead(launched: Launched, part: string): Promise<void> {
  const own = await ownRequests(launched, part);
  expect(own[0]?.tls?.intercepted).toBe(true);
  expect(launched.capture.gaps().filter((g) => g.kind === 'tls-opaque')).toEqual([]);
}
