import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adb } from '../../drivers/android/adb.ts';
import { androidTargetFromSpec, deviceSlug } from '../../drivers/android/android-target.ts';
import {
  firmwareOf,
  identityTokens,
  maskIdentifier,
  parseServiceCallString,
  readIdentity,
} from '../../drivers/android/identifiers.ts';
import { loadRecipes, parseRecipe, recipeIds, recipeSelectors } from '../../drivers/android/recipe.ts';
import { fakeDevice } from './fake-device.ts';

describe('device identifiers', () => {
  it('should read every identifier the fake rooted device exposes and turn them into tokens', async () => {
    fakeDevice();
    const identity = await readIdentity(new Adb(), 'emulator-5554');
    expect(identity).toMatchObject({
      androidId: '9774d56d682e549c',
      model: 'sdk_gphone64_x86_64',
      androidVersion: '13',
      sdk: 33,
      hardwareSerial: 'EMULATOR34X1X11X0',
      advertisingId: '38400000-8cf0-11bd-b23e-10b96e40000d',
      imei: '358020503528463',
    });
    const tokens = identityTokens(identity);
    expect(tokens.map((t) => `${t.kind}:${t.label}`)).toEqual([
      'device-id:android-id',
      'device-id:serial',
      'device-id:advertising-id',
      'device-id:imei',
      'device-info:model',
      'device-info:build-fingerprint',
    ]);
    expect(tokens.find((t) => t.label === 'imei')?.dataClass).toBe('device-ids');
    expect(firmwareOf(identity)).toBe(
      'sdk_gphone64_x86_64 · google/sdk_gphone64_x86_64/emu64xa:13/TE1A.220922.034/10940250:userdebug/dev-keys',
    );
  });

  it('should note, not fail, what an unrooted device keeps to itself', async () => {
    fakeDevice((w) => {
      w.root = false;
      w.imeiParcel = "Result: Parcel(ffffffb5 '....')";
    });
    const identity = await readIdentity(new Adb(), 'emulator-5554');
    expect(identity.advertisingId).toBeUndefined();
    expect(identity.imei).toBeUndefined();
    expect(identity.notes.join(' ')).toMatch(/advertising ID not readable.*IMEI not readable/);
  });

  it('should decode a service call string and reject an error parcel', () => {
    const ok = "Result: Parcel(\n  0x00000000: 00000000 00000003 00620061 00000063 '........a.b.c...')";
    expect(parseServiceCallString(ok)).toBe('abc');
    expect(
      parseServiceCallString("Result: Parcel(\n  0x00000000: ffffffff 00000003 00620061 '........')"),
    ).toBe('');
  });

  it('should mask identifiers for public reports, keeping only the ends', () => {
    expect(maskIdentifier('9774d56d682e549c')).toBe('97••••••••••••9c');
    expect(maskIdentifier('12345')).toBe('•••••');
  });
});

describe('recipes and android targets', () => {
  it('should ship valid recipes for Chrome, Firefox, Samsung Internet, Mi Browser and Mint Browser', () => {
    expect(recipeIds()).toEqual(['chrome', 'firefox', 'mi-browser', 'mint-browser', 'samsung-internet']);
    for (const recipe of loadRecipes().values()) {
      // Nobody has checked a selector on a device yet: they must all say so.
      expect(recipeSelectors(recipe).every((s) => s.verified === false)).toBe(true);
    }
  });

  it('should name the file and field of a bad recipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phonehome-recipe-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ id: 'broken', name: 'x', appPackage: 'nodots' }));
    expect(() =>
      parseRecipe(JSON.stringify({ id: 'broken', name: 'x', appPackage: 'nodots' }), file),
    ).toThrow(`${file}: field "appPackage"`);
  });

  it('should parse android:<serial>[:recipe] specs into targets', () => {
    const chrome = androidTargetFromSpec('android:emulator-5554');
    expect(chrome).toMatchObject({
      id: 'android-chrome-emulator-5554',
      engine: 'android',
      driver: 'android',
      options: {
        serial: 'emulator-5554',
        appPackage: 'com.android.chrome',
        recipe: 'chrome',
        consent: 'declined',
      },
    });
    const network = androidTargetFromSpec('android:192.168.1.5:5555:firefox');
    expect(network.options).toMatchObject({ serial: '192.168.1.5:5555', recipe: 'firefox' });
    expect(androidTargetFromSpec('android:192.168.1.5:5555').options?.serial).toBe('192.168.1.5:5555');
    // A real device's serial is an identifier: neither the id nor the name carries it.
    const phone = androidTargetFromSpec('android:R58M12ABCDE:samsung-internet');
    expect(phone.id).toBe(`android-samsung-internet-${deviceSlug('R58M12ABCDE')}`);
    expect(`${phone.id} ${phone.name}`).not.toContain('R58M12ABCDE');
  });

  it('should list the recipes when a spec names an unknown one', () => {
    expect(() => androidTargetFromSpec('android:emulator-5554:opera')).toThrow(
      'unknown Android recipe "opera"; known recipes: chrome, firefox, mi-browser, mint-browser, samsung-internet',
    );
    expect(() => androidTargetFromSpec('chromium')).toThrow(/expected android:<serial>/);
  });
});
