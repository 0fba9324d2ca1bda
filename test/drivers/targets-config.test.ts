import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDriver } from '../../drivers/driver.ts';
import '../../drivers/registry.ts';
import { loadTargetsConfig, parseTargetsConfig, TargetConfigError } from '../../drivers/targets-config.ts';
import { startCapture } from '../../src/capture/proxy.ts';
import { createWebSink, SEARCH_ENGINE_URL } from '../../src/harness/web/web-sink.ts';

const valid = `targets:
  - id: debian-chromium
    name: Debian Chromium
    engine: chromium
    executablePath: /usr/bin/chromium
    vendorDomains: [google.com, gstatic.com]
  - id: firefox-esr
    name: Firefox ESR
    engine: firefox
    executablePath: /usr/bin/firefox-esr
    args: [--kiosk]
    vendorDomains: [mozilla.org]
    modes: [incognito]
  - id: webkitgtk
    name: WebKitGTK
    engine: webkit
    vendorDomains: [webkitgtk.org]
  - id: webkitgtk-webdriver
    name: WebKitGTK (WebDriver)
    engine: webkit
    driver: webkit-webdriver
    vendorDomains: [webkitgtk.org]
`;

function errorOf(text: string, options = {}): TargetConfigError {
  try {
    parseTargetsConfig(text, 'targets.yaml', options);
  } catch (error) {
    if (error instanceof TargetConfigError) return error;
    throw error;
  }
  throw new Error('expected a TargetConfigError');
}

describe('targets config', () => {
  it('should map every engine to its driver and keep the given fields', () => {
    const targets = parseTargetsConfig(valid, 'targets.yaml');
    expect(targets.map((t) => [t.id, t.driver, t.modes])).toEqual([
      ['debian-chromium', 'chromium', undefined],
      ['firefox-esr', 'firefox', ['incognito']],
      ['webkitgtk', 'webkit', undefined],
      ['webkitgtk-webdriver', 'webkit-webdriver', ['incognito']],
    ]);
    expect(targets[1]?.args).toEqual(['--kiosk']);
    expect(targets[0]?.vendorDomains).toEqual(['google.com', 'gstatic.com']);
  });

  it('should refuse a driver of another engine, and an unknown driver, with the reason', () => {
    expect(
      errorOf(valid.replace('    engine: webkit\n    driver', '    engine: firefox\n    driver')).message,
    ).toBe('targets.yaml:21: targets[3].driver: webkit-webdriver drives the webkit engine, not firefox');
    expect(errorOf(valid.replace('driver: webkit-webdriver', 'driver: safari')).message).toMatch(
      /^targets\.yaml:21: targets\[3\]\.driver: must be one of webkit-webdriver/,
    );
  });

  it('should accept a JSON list of targets at the top level', () => {
    const json = JSON.stringify([{ id: 'a', name: 'A', engine: 'firefox', vendorDomains: ['mozilla.org'] }]);
    expect(parseTargetsConfig(json, 'targets.json')[0]?.driver).toBe('firefox');
  });

  it('should name file, line, field and reason for an unknown engine', () => {
    const error = errorOf(valid.replace('engine: firefox', 'engine: gecko'));
    expect(error.message).toMatch(
      /^targets\.yaml:9: targets\[1\]\.engine: must be chromium, firefox or webkit/,
    );
  });

  it('should refuse an argument that silences the browser, naming why', () => {
    const error = errorOf(
      valid.replace('args: [--kiosk]', 'args: [--kiosk, --disable-background-networking]'),
    );
    expect(error.field).toBe('targets[1].args[1]');
    expect(error.reason).toContain('silences');
    expect(error.line).toBe(11);
  });

  it('should refuse a switch that ignores certificate errors', () => {
    expect(errorOf(valid.replace('args: [--kiosk]', 'args: [--ignore-certificate-errors]')).reason).toContain(
      'certificate',
    );
  });

  it('should refuse a duplicate id, an unknown field and a missing executable', () => {
    expect(errorOf(valid.replace('id: firefox-esr', 'id: debian-chromium')).message).toMatch(
      /targets\.yaml:7: targets\[1\]\.id: "debian-chromium" is used twice/,
    );
    expect(errorOf(valid.replace('    modes: [incognito]', '    mode: incognito')).message).toMatch(
      /targets\[1\]/,
    );
    expect(errorOf(valid.replace('/usr/bin/firefox-esr', '/opt/nothing/firefox')).message).toMatch(
      /targets\.yaml:10: targets\[1\]\.executablePath: \/opt\/nothing\/firefox does not exist/,
    );
    expect(() =>
      parseTargetsConfig(valid.replace('/usr/bin/firefox-esr', '/opt/nothing/firefox'), 'targets.yaml', {
        checkExecutables: false,
      }),
    ).not.toThrow();
  });

  it('should report YAML syntax errors and unreadable files in one line', () => {
    expect(errorOf('targets:\n  - id: [a\n').message).toMatch(/^targets\.yaml:\d+: syntax: /);
    expect(() => loadTargetsConfig('/nonexistent/targets.yaml')).toThrow(
      /^\/nonexistent\/targets\.yaml:0: file: cannot be read \(ENOENT\)$/,
    );
  });

  it('should launch a Chromium-family binary from the config through the chromium driver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-targets-config-'));
    writeFileSync(join(dir, 'targets.yaml'), valid);
    const [target] = loadTargetsConfig(join(dir, 'targets.yaml'));
    if (!target?.driver) throw new Error('no target');
    const capture = await startCapture({
      provenance: { runId: 'test', target: `${target.id}:normal`, scenario: 'config', mode: 'normal' },
      dir: join(dir, 'capture'),
      sink: createWebSink(),
    });
    const driver = await getDriver(target.driver);
    const session = await driver.launch({
      target,
      mode: 'normal',
      proxy: capture.endpoint,
      workDir: join(dir, 'w'),
    });
    try {
      await session.visit(SEARCH_ENGINE_URL);
      expect(capture.flows().some((f) => f.request.url === SEARCH_ENGINE_URL)).toBe(true);
      expect(await session.version()).toMatch(/^Chromium \d+/);
    } finally {
      await session.close();
      await capture.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
