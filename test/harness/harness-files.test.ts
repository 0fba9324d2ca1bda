import { describe, expect, it } from 'vitest';
import { isHarnessFile } from '../../src/harness/device-evidence.ts';

describe('files the harness wrote in a work folder', () => {
  it("should leave out the trust folder written for GNOME Web and the QtWebEngine browsers, and nothing of the browser's", () => {
    // In the quick matrix these made the device claim inconclusive on falkon, gnome-web and
    // qutebrowser in private mode: a CA bundle with hundreds of base64 runs, Java's keystore.
    expect(isHarnessFile('certs/ca-certificates.crt')).toBe(true);
    expect(isHarnessFile('certs/java/cacerts')).toBe(true);
    expect(isHarnessFile('ca-bundle.pem')).toBe(true);
    expect(isHarnessFile('profile/user.js')).toBe(true);
    expect(isHarnessFile('home/.config/falkon/profiles/default/browsedata.db')).toBe(false);
    expect(isHarnessFile('home/.local/share/epiphany/certs/db')).toBe(false);
    expect(isHarnessFile('profile/Default/History')).toBe(false);
  });
});
