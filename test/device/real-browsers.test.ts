import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumDriver } from '../../drivers/chromium.ts';
import type { Driver, TargetConfig } from '../../drivers/driver.ts';
import { firefoxDriver } from '../../drivers/firefox.ts';
import { type Sink, startCapture } from '../../src/capture/proxy.ts';
import { scanDeviceFiles } from '../../src/device/scan.ts';
import { isHarnessFile } from '../../src/harness/device-evidence.ts';
import { createWebSink, SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';
import type { DeviceFinding } from '../../src/model/finding.ts';
import type { Mode } from '../../src/model/flow.ts';
import { defaultTarget } from '../targets.ts';
import { canary, token } from './canaries.ts';

/**
 * Real browsers write the files: Chromium's History, LevelDB (log, then a Snappy table) and disk
 * cache; Firefox's places.sqlite and cache2 entries. Each
 * browser runs behind a real capture proxy whose sink serves a page that caches itself and one that
 * writes to localStorage.
 */

const dir = mkdtempSync(join(tmpdir(), 'phonehome-device-browsers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compressible, and no run of letters a decoder would try as base64. */
const FILLER = '. '.repeat(2000);
const STORE_HOST = 'https://store.device.test';

function sink(stored: string): Sink {
  const web = createWebSink();
  return (request) => {
    const url = new URL(request.url);
    if (url.host === 'store.device.test' && url.pathname === '/cache') {
      // mockttp encodes the body as the content-encoding header says.
      const body = `<!doctype html><title>cached</title><p>${url.searchParams.get('q')}</p>`;
      return {
        status: 200,
        headers: { 'content-type': 'text/html', 'content-encoding': 'gzip', 'cache-control': 'max-age=3600' },
        body,
      };
    }
    if (url.host === 'store.device.test' && url.pathname === '/store') {
      // The canary's first ten characters come just before it: in a Snappy block the canary is then
      // partly a back-reference, so only decompression finds it whole. Some 5 MB of values make
      // LevelDB write its log out as a table while the browser runs.
      const script = `localStorage.setItem('b', '${stored.slice(0, 10)} ${stored} ${FILLER}'); for (let i = 0; i < 40; i++) localStorage.setItem('f' + i, i + '${FILLER}'.repeat(32));`;
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: `<!doctype html><title>store</title><script>${script}</script>`,
      };
    }
    if (url.host === 'store.device.test' && url.pathname === '/read') {
      // Chromium opens Local Storage when a page first uses it; LevelDB then turns its log into a table.
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: `<!doctype html><title>read</title><script>localStorage.getItem('b')</script>`,
      };
    }
    return web(request);
  };
}

async function run(
  driver: Driver,
  target: TargetConfig,
  workDir: string,
  stored: string,
  steps: (session: Awaited<ReturnType<Driver['launch']>>) => Promise<void>,
): Promise<void> {
  const mode: Mode = 'normal';
  const capture = await startCapture({
    provenance: { runId: 'test', target: `${target.id}:${mode}`, scenario: 'device', mode },
    dir: join(dir, `capture-${Math.random().toString(36).slice(2)}`),
    sink: sink(stored),
  });
  try {
    const session = await driver.launch({ target, mode, proxy: capture.endpoint, workDir });
    try {
      await steps(session);
    } finally {
      await session.close();
    }
  } finally {
    await capture.stop();
  }
}

async function scan(workDir: string, values: string[]): Promise<DeviceFinding[]> {
  const result = await scanDeviceFiles({
    root: workDir,
    tokens: values.map(token),
    provenance: { target: 'test:normal', scenario: 'device', mode: 'normal' },
    harnessFiles: isHarnessFile,
  });
  return result.findings;
}

/** Waits until a file in `folder` holds `value` as bytes (Latin-1), up to `ms`; throws saying so after. */
async function waitForFileHolding(folder: string, value: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const bytes = Buffer.from(value, 'latin1');
  for (;;) {
    const files = existsSync(folder) ? readdirSync(folder) : [];
    if (files.some((f) => readFileSync(join(folder, f)).includes(bytes))) return;
    if (Date.now() > deadline) throw new Error(`no file in ${folder} held ${value} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const show = (fs: DeviceFinding[]) => fs.map((f) => `${f.where} ${f.chain.join(' → ')}`).join('\n');

/**
 * The term `searched` is in the browser's history (`history`: the file and the row's first step),
 * and the page `cached` in entries of its cache `format` with `chains` among theirs; returns those
 * entries.
 */
function expectSearchAndCache(
  findings: DeviceFinding[],
  [searched, history]: [string, string],
  [cached, format, chains]: [string, string, string[]],
): DeviceFinding[] {
  expect(
    findings.filter((f) => f.token === searched).map((f) => `${f.where} ${f.chain[0]}`),
    show(findings),
  ).toContain(history);
  const entry = findings.filter((f) => f.token === cached && f.format === format);
  expect(
    entry.map((f) => f.chain.join(' → ')),
    show(findings),
  ).toEqual(expect.arrayContaining(chains));
  return entry;
}

describe('device scan: what real Chromium leaves in its profile', () => {
  const target = defaultTarget('chromium');
  const workDir = join(dir, 'chromium');
  const searched = canary();
  const cached = canary();
  const stored = canary();

  it('should find a normal-mode search in History, a cache entry and a LevelDB log record', async () => {
    await run(chromiumDriver, target, workDir, stored, async (session) => {
      await session.search(searched, { engineUrl: SEARCH_ENGINE_URL, via: 'page' });
      await session.visit(`${STORE_HOST}/cache?q=${cached}`);
      await session.visit(`${STORE_HOST}/store`);
      // Chromium commits Local Storage to its LevelDB log a moment later, from another process: on a
      // loaded machine the close came first and the value never reached the disk (a CI run at
      // load ~8). Wait until the log holds it, as a user who stays on the page a few seconds would.
      await waitForFileHolding(join(workDir, 'profile/Default/Local Storage/leveldb'), stored, 60_000);
    });
    const findings = await scan(workDir, [searched, cached, stored]);
    const entry = expectSearchAndCache(
      findings,
      [searched, 'file:profile/Default/History sqlite:urls.url'],
      [cached, 'chromium-cache', ['chromium-cache:key', 'chromium-cache:stream 1 (body) → gzip']],
    );
    expect(entry[0]!.where).toMatch(/^file:profile\/Default\/Cache\/Cache_Data\/[0-9a-f]{16}_0$/);
    const log = findings.find((f) => f.token === stored && f.format === 'leveldb-log');
    expect(log?.where, show(findings)).toMatch(/^file:profile\/Default\/Local Storage\/leveldb\/\d+\.log$/);
    expect(log?.chain[0]).toMatch(/^leveldb:log record \d+$/);
  }, 180_000);

  it('should find the stored value in a Snappy block of the table LevelDB writes at the next launch', async () => {
    await run(chromiumDriver, target, workDir, stored, async (session) => {
      await session.visit(`${STORE_HOST}/read`);
    });
    const findings = await scan(workDir, [stored]);
    const table = findings.find((f) => f.format === 'leveldb-table');
    expect(table?.chain[0], show(findings)).toMatch(/^leveldb:\d+\.ldb block \d+ of \d+ → snappy$/);
    expect(table?.chain[1]).toMatch(/^value of "_https:\/\/store\.device\.test.*b"$/);
    // The canary is not in the file's bytes as they are: only the Snappy block holds it whole.
    const file = readFileSync(join(workDir, table!.where.slice('file:'.length)));
    expect(file.includes(stored)).toBe(false);
  }, 180_000);
});

describe('device scan: what real Firefox leaves in its profile', () => {
  const target = defaultTarget('firefox-esr');
  const workDir = join(dir, 'firefox');
  const searched = canary();
  const cached = canary();

  it('should find a normal-mode search in places.sqlite and a page in a cache2 entry', async () => {
    await run(firefoxDriver, target, workDir, canary(), async (session) => {
      await session.search(searched, { engineUrl: SEARCH_ENGINE_URL, via: 'page' });
      await session.visit(`${STORE_HOST}/cache?q=${cached}`);
    });
    const findings = await scan(workDir, [searched, cached]);
    // The key is the URL behind its origin attributes (`O^partitionKey=%28https%2C…%29,:https://…`).
    const entry = expectSearchAndCache(
      findings,
      [searched, 'file:profile/places.sqlite sqlite:moz_places.url'],
      [cached, 'firefox-cache2', ['firefox-cache2:key → percent', 'firefox-cache2:body → gzip']],
    );
    expect(entry[0]!.where).toMatch(/^file:profile\/cache2\/entries\/[0-9A-F]{40}$/);
  }, 180_000);
});
