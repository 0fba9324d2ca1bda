import type { TargetConfig } from '../driver.ts';
import { Adb } from './adb.ts';
import { checkAppium, DEFAULT_APPIUM_URL } from './android-driver.ts';
import { parseAndroidOptions } from './android-target.ts';
import { androidErrors } from './errors.ts';

/**
 * What an Android target needs before any scenario starts, checked in the order a person fixes
 * them: adb runs (`adb devices` answers), the device is attached and authorised, the app is installed, Appium answers. The
 * first missing piece is the one problem reported for the target: each later check needs the earlier
 * ones (no device, no app to look for; a UiAutomator2 session needs the device).
 * Resolves with one line per problem (what is wrong and the fix); none when the target can run.
 */
export async function androidPreflight(
  target: TargetConfig,
  adb: Adb = new Adb({ timeoutMs: 15_000 }),
): Promise<string[]> {
  try {
    const options = parseAndroidOptions(target);
    await adb.requireDevice(options.serial);
    const installed = await adb.shell(options.serial, `pm path ${options.appPackage}`).catch(() => '');
    if (!installed.includes('package:'))
      throw androidErrors.appNotInstalled(options.serial, options.appPackage);
    await checkAppium(options.appiumUrl ?? DEFAULT_APPIUM_URL);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
