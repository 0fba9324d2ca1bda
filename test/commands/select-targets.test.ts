import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectTargets } from '../../src/commands/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonehome-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'targets.yaml');
writeFileSync(
  file,
  `targets:
  - id: debian-chromium
    name: Debian Chromium
    engine: chromium
    executablePath: /usr/bin/chromium
    vendorDomains: [google.com]
  - id: chromium
    name: My own Chromium
    engine: chromium
    executablePath: /usr/bin/chromium
    args: [--lang=fr]
    vendorDomains: [google.com]
`,
);

describe('selectTargets (phonehome run --targets FILE --target ID)', () => {
  it('should look the id up in the targets file, not in the defaults', async () => {
    const [own] = await selectTargets(['chromium'], file);
    expect(own?.name).toBe('My own Chromium');
    expect((await selectTargets(['debian-chromium'], file)).map((t) => t.id)).toEqual(['debian-chromium']);
  });

  it('should refuse an id the file does not hold, naming the file and the ids it has', async () => {
    await expect(selectTargets(['firefox-esr'], file)).rejects.toThrow(
      `unknown target "firefox-esr" in ${file}; known targets: debian-chromium, chromium, android:SERIAL`,
    );
  });

  it('should take every target of the file when no id is given, and the defaults without a file', async () => {
    expect((await selectTargets([], file)).map((t) => t.id)).toEqual(['debian-chromium', 'chromium']);
    expect((await selectTargets(['firefox-esr'], undefined)).map((t) => t.id)).toEqual(['firefox-esr']);
  });
});
