import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installNativeHosts, unpackedExtensionId } from '../../drivers/chromium.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An extension folder holding `files`, and an empty profile folder beside it. */
function extensionWith(files: Record<string, string>): { extension: string; profile: string } {
  const root = mkdtempSync(join(tmpdir(), 'phonehome-native-host-'));
  dirs.push(root);
  const extension = join(root, 'extension');
  mkdirSync(extension);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(extension, name), text);
  return { extension, profile: join(root, 'profile') };
}

describe('installNativeHosts', () => {
  it("should install an extension's host in the profile, with an absolute path, for that extension only", () => {
    const { extension, profile } = extensionWith({
      'native-host.json': JSON.stringify({ name: 'test.vendor.host', path: 'host.mjs', type: 'stdio' }),
    });
    installNativeHosts(profile, [extension]);
    const installed = JSON.parse(
      readFileSync(join(profile, 'NativeMessagingHosts', 'test.vendor.host.json'), 'utf8'),
    );
    expect(installed).toEqual({
      name: 'test.vendor.host',
      path: join(extension, 'host.mjs'),
      type: 'stdio',
      allowed_origins: [`chrome-extension://${unpackedExtensionId(extension)}/`],
    });
  });

  it('should install nothing for an extension without a host', () => {
    const { extension, profile } = extensionWith({ 'manifest.json': '{}' });
    installNativeHosts(profile, [extension]);
    expect(() => readdirSync(join(profile, 'NativeMessagingHosts'))).toThrow(/ENOENT/);
  });

  it('should name the file and the field when a host manifest lacks its path', () => {
    const { extension, profile } = extensionWith({ 'native-host.json': JSON.stringify({ name: 'x' }) });
    expect(() => installNativeHosts(profile, [extension])).toThrow(/native-host\.json: path /);
  });

  it('should name the file when a host manifest is not JSON', () => {
    const { extension, profile } = extensionWith({ 'native-host.json': '{ name' });
    expect(() => installNativeHosts(profile, [extension])).toThrow(/native-host\.json: not JSON/);
  });
});
