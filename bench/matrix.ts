/**
 * bench/matrix: wall time of the default matrix (`phonehome run`: capture, seal, analysis, claims,
 * reports) against the same scenario steps driven by plain playwright-core / puppeteer-core /
 * WebdriverIO behind a bare mockttp sink (no flow log, no seal, no analysis), with as many browsers
 * at once as the matrix has workers. Prints both and the ratio.
 *
 *   npx tsx bench/matrix.ts [--workers N] [--skip-quick] [--skip-full] [--skip-overhead]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as mockttp from 'mockttp';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { remote } from 'webdriverio';
import type { TargetConfig } from '../drivers/driver.ts';
import { DEFAULT_TARGETS } from '../drivers/targets.ts';
import { IDLE_MS } from '../src/harness/scenarios.ts';
import { createWebSink, SEARCH_ENGINE_URL } from '../src/harness/web/web-sink.ts';
import type { Mode } from '../src/model/flow.ts';

const { values } = parseArgs({
  options: {
    // Unset: each matrix keeps its own default (quick 7, full 4); the plain baseline runs 4 at once.
    workers: { type: 'string' },
    'skip-quick': { type: 'boolean' },
    'skip-full': { type: 'boolean' },
    'skip-overhead': { type: 'boolean' },
    soak: { type: 'string' },
  },
});
/** The fixed window the overhead run gives each scenario, and the plain baseline's settle. */
const SETTLE_MS = 2000;
const workers = Number(values.workers ?? 4);
const SCENARIOS = ['search', 'idle'] as const;
type ScenarioId = (typeof SCENARIOS)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The plain steps of one scenario, given page-level primitives. */
interface Plain {
  goto(url: string): Promise<void>;
  typeAndSubmit(selector: string, text: string): Promise<void>;
  clickAndWait(selector: string): Promise<void>;
  close(): Promise<void>;
}

async function runSteps(open: () => Promise<Plain>, scenario: ScenarioId): Promise<void> {
  const plain = await open();
  try {
    if (scenario === 'idle') {
      await sleep(IDLE_MS);
      return;
    }
    await plain.goto(SEARCH_ENGINE_URL);
    await plain.typeAndSubmit('input[name=q]', `benchterm${Date.now()}`);
    await plain.clickAndWait('a.result');
    await sleep(SETTLE_MS);
  } finally {
    await plain.close();
  }
  // The flush point: relaunch on the same profile and watch as long again.
  if (scenario === 'search') {
    const again = await open();
    await sleep(SETTLE_MS);
    await again.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function plainChromium(target: TargetConfig, mode: Mode, proxy: string, dir: string): Promise<Plain> {
  const args = [...(target.extensions ?? []).map((e) => `--load-extension=${e}`)];
  if (mode === 'incognito') args.push('--incognito');
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: target.executablePath ?? '/usr/bin/chromium',
    headless: true,
    proxy: { server: proxy },
    ignoreHTTPSErrors: true,
    args,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    goto: async (url) => void (await page.goto(url)),
    typeAndSubmit: async (sel, text) => {
      await page.locator(sel).pressSequentially(text, { delay: 25 });
      await Promise.all([page.waitForNavigation(), page.locator(sel).press('Enter')]);
    },
    clickAndWait: async (sel) =>
      void (await Promise.all([page.waitForNavigation(), page.locator(sel).first().click()])),
    close: () => context.close(),
  };
}

async function plainFirefox(target: TargetConfig, mode: Mode, proxyPort: number): Promise<Plain> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: target.executablePath ?? '/usr/bin/firefox-esr',
    headless: true,
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': proxyPort,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': proxyPort,
      ...(mode === 'incognito' ? { 'browser.privatebrowsing.autostart': true } : {}),
    },
  });
  const page = await browser.newPage();
  return {
    goto: async (url) => void (await page.goto(url)),
    typeAndSubmit: async (sel, text) => {
      await page.type(sel, text, { delay: 25 });
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    },
    clickAndWait: async (sel) => void (await Promise.all([page.waitForNavigation(), page.click(sel)])),
    close: () => browser.close(),
  };
}

/**
 * Plain WebKitGTK: WebDriver, the usual way to automate it. MiniBrowser under WebDriver is always
 * ephemeral, so the baseline's "normal" WebKit jobs run the same steps in an ephemeral session.
 */
async function plainWebKit(target: TargetConfig, proxy: string): Promise<Plain> {
  const port = await freePort();
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], {
    detached: true,
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/status`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  const b = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      acceptInsecureCerts: true,
      'webkitgtk:browserOptions': {
        binary: target.executablePath,
        args: ['--automation', `--proxy=${proxy}`, '--private'],
      },
    } as WebdriverIO.Capabilities,
  });
  const waitAway = async (from: string) =>
    b.waitUntil(
      async () => (await b.getUrl()) !== from && (await b.execute(() => document.readyState)) === 'complete',
    );
  return {
    goto: (url) => b.url(url) as Promise<void>,
    typeAndSubmit: async (sel, text) => {
      const from = await b.getUrl();
      await (await b.$(sel)).click();
      for (const ch of text) {
        await b.keys(ch);
        await sleep(25);
      }
      await b.keys('Enter');
      await waitAway(from);
    },
    clickAndWait: async (sel) => {
      const from = await b.getUrl();
      await (await b.$(sel)).click();
      await waitAway(from);
    },
    close: async () => {
      await b.deleteSession().catch(() => {});
      if (driver.pid) process.kill(-driver.pid, 'SIGKILL');
    },
  };
}

async function plainBaseline(): Promise<{ ms: number; jobs: number }> {
  const server = mockttp.getLocal({ https: await mockttp.generateCACertificate(), recordTraffic: false });
  await server.start();
  const sink = createWebSink();
  await server.forAnyRequest().thenCallback(async (req) => {
    const res = await sink({
      method: req.method,
      url: req.url,
      headers: [],
      body: Buffer.from((await req.body.getDecodedBuffer()) ?? []),
    });
    return { statusCode: res.status, headers: res.headers ?? {}, body: res.body ?? '' };
  });
  const proxy = `http://127.0.0.1:${server.port}`;
  const jobs = DEFAULT_TARGETS.flatMap((t) =>
    (t.modes ?? (['normal', 'incognito'] as Mode[])).flatMap((mode) =>
      SCENARIOS.filter((s) => (t.scenarios ?? [s]).includes(s)).map((s) => ({ t, mode, s })),
    ),
  );
  const queue = [...jobs];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const dir = mkdtempSync(join(tmpdir(), 'phonehome-bench-'));
        try {
          const open = () =>
            job.t.engine === 'firefox'
              ? plainFirefox(job.t, job.mode, server.port)
              : job.t.engine === 'webkit'
                ? plainWebKit(job.t, proxy)
                : plainChromium(job.t, job.mode, proxy, dir);
          await runSteps(open, job.s);
        } catch (error) {
          process.stderr.write(
            `plain ${job.t.id}:${job.mode}/${job.s} failed: ${(error as Error).message}\n`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }),
  );
  const ms = performance.now() - started;
  await server.stop();
  return { ms, jobs: jobs.length };
}

async function matrix(args: string[]): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'phonehome-bench-reports-'));
  const started = performance.now();
  const code = await new Promise<number>((done) => {
    const child = spawn(
      process.execPath,
      [
        'bin/phonehome.js',
        'run',
        '--out',
        out,
        ...(values.workers ? ['--workers', values.workers] : []),
        ...args,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        cwd: join(import.meta.dirname, '..'),
      },
    );
    child.on('exit', (c) => done(c ?? 2));
  });
  const ms = performance.now() - started;
  rmSync(out, { recursive: true, force: true });
  if (code !== 0) process.stderr.write(`phonehome run ${args.join(' ')} exited ${code}\n`);
  return ms;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s (${(ms / 60_000).toFixed(1)} min)`;
const targets = DEFAULT_TARGETS.map((t) => t.id).join(', ');
process.stdout.write(
  `bench/matrix: targets ${targets}; ${values.workers ? `${workers} workers` : 'each matrix with its default workers (quick 7, full 4)'}\n`,
);
if (!values['skip-quick']) {
  const ms = await matrix(['--matrix', 'quick']);
  process.stdout.write(`quick matrix (npm start, --matrix quick):  ${s(ms)}\n`);
}
if (!values['skip-full']) {
  const soak = values.soak ? ['--soak', values.soak] : [];
  const ms = await matrix(['--matrix', 'full', ...soak]);
  process.stdout.write(
    `full matrix (--matrix full${values.soak ? ` --soak ${values.soak}` : ''}): ${s(ms)}\n`,
  );
}
if (!values['skip-overhead']) {
  const matrixMs = await matrix(['--soak', `${SETTLE_MS}ms`, ...SCENARIOS.flatMap((x) => ['--scenario', x])]);
  const plain = await plainBaseline();
  process.stdout.write(`search + idle, phonehome run --soak 2s:    ${s(matrixMs)}\n`);
  process.stdout.write(
    `same steps, plain drivers, no capture:     ${s(plain.ms)} (${plain.jobs} scenario runs)\n`,
  );
  process.stdout.write(`overhead ratio:                            ${(matrixMs / plain.ms).toFixed(2)}\n`);
}
