import { readFileSync } from 'node:fs';
import { chromiumArgs } from '../../drivers/chromium.ts';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, test } from '../../fixtures/harness.ts';
import { addressBarScenario, pasteScenario, searchScenario } from '../../src/harness/scenarios.ts';

const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium')!;

/**
 * Flags automation tools add that switch off or hide a browser's own traffic (playwright-core's
 * defaults among them), or that ignore every certificate error. None may reach the target.
 */
const SILENCING_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--metrics-recording-only',
  '--disable-default-apps',
  '--disable-component-extensions-with-background-pages',
  '--disable-field-trial-config',
  '--disable-breakpad',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-extensions',
  '--disable-features',
  '--disable-updater-scheduler',
  '--no-service-autorun',
  '--no-first-run',
  '--ignore-certificate-errors',
  '--test-type',
];

/** Flags Debian's /usr/bin/chromium wrapper adds for every user: part of the browser's own defaults. */
function debianWrapperFlags(): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/chromium.d/default-flags', 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/CHROMIUM_FLAGS="\$CHROMIUM_FLAGS (--[^"=\s]+)/g)].map((m) => m[1] as string);
}

test.describe('Chromium target', () => {
  for (const mode of ['normal', 'incognito'] as const) {
    test(`runs in its real ${mode} mode with its own defaults: no flag that silences its traffic or ignores certificate errors`, async ({
      harness,
    }) => {
      const result = await harness.run(searchScenario, { target: chromium, mode });
      expect(result.record.status, result.record.error).toBe('finished');
      const flags = result.commandLine.slice(1).map((a) => a.split('=')[0] as string);
      for (const flag of SILENCING_FLAGS) expect(flags, `${flag} must not be passed`).not.toContain(flag);
      // Debian's wrapper (/usr/bin/chromium) puts its own defaults first; after them come exactly
      // phonehome's flags, documented in chromiumArgs().
      const ours = chromiumArgs(
        {
          target: chromium,
          mode,
          proxy: { host: '', port: 0, url: '', caCertPem: '', caCertPath: '', caSpki: '' },
          workDir: '',
        },
        '',
      ).map((a) => a.split('=')[0] as string);
      const start = flags.indexOf(ours[0] as string);
      expect(flags.slice(start)).toEqual(ours);
      for (const flag of debianWrapperFlags()) expect(flags.slice(0, start)).toContain(flag);
      // The mode is the browser's own: an --incognito window lives in its off-the-record profile,
      // a context that is neither the default one nor one created over CDP.
      expect(result.modeEvidence?.incognito, result.modeEvidence?.how).toBe(mode === 'incognito');
      // The browser's own background traffic reached the proxy (Debian's Chromium checks for updates).
      expect(result.flows.some((f) => !/\.test$/.test(new URL(f.request.url).hostname))).toBe(true);
    });
  }
});

test("Chromium's address bar: a search typed there with real keys goes to its default search engine", async ({
  harness,
}) => {
  const { record, commandLine } = await harness.run(addressBarScenario, {
    target: chromium,
    mode: 'incognito',
  });
  expect(record.status, record.error).toBe('finished');
  // Headed, on a virtual display: the omnibox exists only with a window.
  expect(commandLine).not.toContain('--headless');
  const term = record.tokens.find((t) => t.dataClass === 'search-terms')!;
  const sent = record.findings.filter((f) => f.token === term.value);
  // The whole phrase, space and "è" included (a prefix finding would mean keys were lost).
  expect(term.value).toMatch(/^ph[a-z0-9]{12} crème$/);
  expect(sent.map((f) => [f.host, f.where, f.form ?? 'whole'])).toContainEqual([
    'duckduckgo.com',
    'url-query:q',
    'whole',
  ]);
  expect(record.recipients.searchEngine).toContain('duckduckgo.com');
});

test("Chromium's address bar: a URL pasted there from the clipboard loads the page", async ({ harness }) => {
  const { record, commandLine } = await harness.run(pasteScenario, { target: chromium, mode: 'normal' });
  // Finished means proven too: the pasted URL reached its site (the scenario's `proves`).
  expect(record.status, record.error).toBe('finished');
  expect(commandLine).not.toContain('--headless');
  const url = record.tokens.find((t) => t.label === 'visited URL')!;
  expect(url.value).toMatch(/^https:\/\/news\.site-a\.test\/article\/ph[a-z0-9]+$/);
  const loaded = record.findings.filter((f) => f.token === url.value && f.host === 'news.site-a.test');
  expect(loaded.length).toBeGreaterThan(0);
});
