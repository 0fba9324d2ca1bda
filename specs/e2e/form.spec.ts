import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { expect, test } from '../../fixtures/harness.ts';
import { formScenario } from '../../src/harness/scenarios.ts';
import { runBothModes } from './both-modes.ts';

const chromium = DEFAULT_TARGETS.find((t) => t.id === 'chromium')!;

test.describe('a form on a site', () => {
  test("What you type into a site's form is sent to no one but that site; in incognito it stays on no file", async ({
    harness,
  }) => {
    const { normal, incognito, run } = await runBothModes(harness, formScenario, chromium);
    for (const r of [normal, incognito]) expect(r.record.status, r.record.error).toBe('finished');
    for (const r of [normal, incognito]) {
      const entry = r.record.tokens.find((t) => t.dataClass === 'form-entries')!;
      expect(entry.typed).toBe(true);
      // The entry reached the site in the POST body of its form, as a person's would.
      const posted = r.record.findings.filter(
        (f) => f.token === entry.value && f.host === 'shop.site-b.test' && f.where === 'body',
      );
      expect(posted.length, JSON.stringify(r.record.findings)).toBeGreaterThan(0);
      expect(posted[0]?.chain).toEqual(['form:message']);
    }
    const cell = (claim: string, target: string) =>
      run.cells.find((c) => c.claim === claim && c.target === target)!;
    for (const t of ['chromium:normal', 'chromium:incognito']) {
      const c = cell('form-entries-only-to-site', t);
      test.info().annotations.push({ type: `form-entries-only-to-site ${t}`, description: c.reason });
      expect(c.status, c.reason).toBe('pass');
    }
    // The device side, in both modes: what Chromium kept of the entry, as measured.
    for (const t of ['chromium:normal', 'chromium:incognito']) {
      const found = (run.deviceFindings ?? []).filter(
        (f) => f.target === t && f.dataClass === 'form-entries',
      );
      test.info().annotations.push({
        type: `device ${t}`,
        description: found.map((f) => `${f.where} ${f.chain.join(' → ')}`).join('; ') || 'none',
      });
    }
    // The scan sees the entry where normal mode keeps it (its session files and the autocomplete
    // table of `Web Data`, as measured): a clean incognito column is not a blind one.
    const kept = (run.deviceFindings ?? []).filter(
      (f) => f.target === 'chromium:normal' && f.dataClass === 'form-entries',
    );
    expect(kept.some((f) => f.where.startsWith('file:profile/Default/'))).toBe(true);
    const device = cell('incognito-leaves-nothing-on-device', 'chromium:incognito');
    test.info().annotations.push({ type: 'device claim chromium:incognito', description: device.reason });
    // Pass here when every file was read; an unreadable file would make it inconclusive, never pass.
    expect(device.status, device.reason).not.toBe('fail');
    expect(
      (run.deviceFindings ?? []).filter(
        (f) => f.target === 'chromium:incognito' && f.dataClass === 'form-entries',
      ),
    ).toEqual([]);
  });
});
