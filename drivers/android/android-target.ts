import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TargetConfig } from '../driver.ts';
import { AndroidError } from './errors.ts';
import { maskIdentifier } from './identifiers.ts';
import { getRecipe, recipeIds } from './recipe.ts';

/** `options` of an Android target, as validated at launch. */
export const androidOptionsSchema = z
  .object({
    /** adb serial, e.g. `emulator-5554`, `R58M12ABCDE` or `192.168.1.5:5555`. */
    serial: z.string().min(1),
    appPackage: z.string().min(1),
    appActivity: z.string().min(1),
    /** Recipe id (fixtures/android/recipes/<id>.json). */
    recipe: z.string().min(1),
    /** Appium server, default http://127.0.0.1:4723. */
    appiumUrl: z.string().url().optional(),
    /** How consent screens are answered. */
    consent: z.enum(['granted', 'declined']),
    /** `pm clear` the app before each launch, so every scenario starts from first run (wipes its data). */
    clearAppData: z.boolean().optional(),
    /** Extra Appium capabilities, merged over phonehome's (e.g. to use another automation driver). */
    capabilities: z.record(z.string(), z.unknown()).optional(),
    /** Folder for crash-recovery state files, default .phonehome/android-state. */
    stateDir: z.string().optional(),
  })
  .strict();
export type AndroidOptions = z.infer<typeof androidOptionsSchema>;

/**
 * Validate an Android target's options.
 * @throws AndroidError `bad-target` naming the target, field and reason.
 */
export function parseAndroidOptions(target: TargetConfig): AndroidOptions {
  const parsed = androidOptionsSchema.safeParse(target.options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AndroidError(
      'bad-target',
      `target "${target.id}": field "options.${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * A column id for a device that publishes no identifier: emulators keep their adb name, real
 * devices get a short hash of their serial (the serial itself is a device identifier).
 */
export function deviceSlug(serial: string): string {
  if (/^emulator-\d+$/.test(serial)) return serial;
  return `d${createHash('sha256').update(serial).digest('hex').slice(0, 8)}`;
}

/**
 * Parse `android:<serial>[:<recipe>]` (the CLI's `--target`) into a target. The recipe defaults to
 * `chrome`; a serial may itself contain `host:port`, so a trailing number belongs to the serial.
 * Consent screens are declined unless a config says otherwise.
 * @throws AndroidError `bad-target` for a malformed spec, `unknown-recipe` listing the recipes.
 */
export function androidTargetFromSpec(spec: string): TargetConfig {
  const m = /^android:(.+)$/.exec(spec.trim());
  if (!m?.[1]) {
    throw new AndroidError(
      'bad-target',
      `target "${spec}": expected android:<serial>[:<recipe>] (recipes: ${recipeIds().join(', ')})`,
    );
  }
  const parts = m[1].split(':');
  let recipeId = 'chrome';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length > 1 && !/^\d+$/.test(last)) {
    recipeId = last;
    parts.pop();
  }
  const serial = parts.join(':');
  if (!serial)
    throw new AndroidError('bad-target', `target "${spec}": the serial is empty (see \`adb devices\`)`);
  const recipe = getRecipe(recipeId);
  const slug = deviceSlug(serial);
  const shown = slug === serial ? serial : maskIdentifier(serial);
  return {
    id: `android-${recipe.id}-${slug}`,
    name: `${recipe.name} on Android (${shown})`,
    engine: 'android',
    driver: 'android',
    vendorDomains: recipe.vendorDomains,
    options: {
      serial,
      appPackage: recipe.appPackage,
      appActivity: recipe.appActivity,
      recipe: recipe.id,
      consent: 'declined',
    } satisfies AndroidOptions,
  };
}
