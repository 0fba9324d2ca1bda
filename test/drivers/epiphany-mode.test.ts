import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { epiphanyFolders, epiphanyMode } from '../../drivers/epiphany.ts';

// The folders GNOME Web writes, laid out as it lays them out (a profile with website data, throw-away
// profiles named epiphany-* under TMPDIR), to judge a private relaunch on a profile a normal launch used.
describe('epiphany mode evidence on a used profile', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function folders(): { profile: string; tmp: string } {
    dir = mkdtempSync(join(tmpdir(), 'phonehome-epiphany-mode-'));
    const profile = join(dir, 'profile');
    const tmp = join(dir, 'tmp');
    mkdirSync(join(profile, 'hsts'), { recursive: true });
    mkdirSync(tmp);
    // What the earlier normal launch left: cookies and HSTS, an hour old.
    const hour = Date.now() / 1000 - 3600;
    for (const f of ['cookies.sqlite', 'hsts/hsts-storage.sqlite']) {
      writeFileSync(join(profile, f), 'x');
      utimesSync(join(profile, f), hour, hour);
    }
    return { profile, tmp };
  }
  const PRIVATE = ['epiphany-browser', '--incognito-mode'];

  it('should find private mode when the relaunch made its own throw-away profile and left the earlier data untouched', () => {
    const { profile, tmp } = folders();
    const before = epiphanyFolders(profile, tmp);
    mkdirSync(join(tmp, 'epiphany-XYZ123'));
    const evidence = epiphanyMode(PRIVATE, profile, tmp, before);
    expect(evidence.incognito).toBe(true);
    expect(evidence.how).toContain(
      'the 2 website data file(s) an earlier launch left in its profile are untouched',
    );
  });

  it('should not find private mode when the relaunch wrote to the used profile', () => {
    const { profile, tmp } = folders();
    const before = epiphanyFolders(profile, tmp);
    mkdirSync(join(tmp, 'epiphany-XYZ123'));
    writeFileSync(join(profile, 'cookies.sqlite'), 'written again');
    const evidence = epiphanyMode(PRIVATE, profile, tmp, before);
    expect(evidence.incognito).toBe(false);
    expect(evidence.how).toContain("wrote website data in the launch's profile (cookies.sqlite)");
  });

  it('should not count a throw-away profile an earlier launch made', () => {
    const { profile, tmp } = folders();
    mkdirSync(join(tmp, 'epiphany-OLD999'));
    const before = epiphanyFolders(profile, tmp);
    expect(epiphanyMode(PRIVATE, profile, tmp, before)).toMatchObject({
      incognito: false,
      how: 'GNOME Web runs with --incognito-mode but made no throw-away profile',
    });
  });

  it('should, without a record of before, judge every file in the profile as written', () => {
    const { profile, tmp } = folders();
    mkdirSync(join(tmp, 'epiphany-XYZ123'));
    expect(epiphanyMode(PRIVATE, profile, tmp).incognito).toBe(false);
  });
});
