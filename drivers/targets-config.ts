import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { FileInputError, fieldPath, parseYamlSource } from '../src/input/file-error.ts';
import type { Engine, TargetConfig } from './driver.ts';

/**
 * Targets from a config file (YAML or JSON): engine, executable, extra args, vendor domains, display
 * name. Any Chromium-family binary (Chrome, Brave, Edge, Vivaldi, Opera, …) runs through the
 * `chromium` driver, Firefox builds through `firefox`, WebKitGTK's MiniBrowser through `webkit`
 * (or `driver: webkit-webdriver`, private mode only).
 *
 * ```yaml
 * targets:
 *   - id: brave
 *     name: Brave
 *     engine: chromium
 *     executablePath: /usr/bin/brave-browser
 *     vendorDomains: [brave.com, bravesoftware.com]
 * ```
 */

/** The driver each desktop engine runs through. */
export const ENGINE_DRIVERS: Record<Exclude<Engine, 'android'>, string> = {
  chromium: 'chromium',
  firefox: 'firefox',
  webkit: 'webkit',
};

/**
 * Other drivers a target file may pick with `driver:`: WebKitGTK through WebKitWebDriver (private
 * mode only, since MiniBrowser under automation is always ephemeral).
 */
export const OTHER_DRIVERS: Record<string, { engine: Exclude<Engine, 'android'>; modes?: ['incognito'] }> = {
  'webkit-webdriver': { engine: 'webkit', modes: ['incognito'] },
  // Browsers with drivers of their own (their binary in executablePath, or Debian's).
  epiphany: { engine: 'webkit' },
  falkon: { engine: 'chromium' },
  qutebrowser: { engine: 'chromium' },
};

/**
 * Browser arguments refused in a target config: each one silences the browser's own traffic or
 * switches certificate checks off, which would make the target's verdicts meaningless.
 */
export const FORBIDDEN_ARGS: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^--disable-background-networking\b/, why: 'it silences the browser’s own background traffic' },
  { pattern: /^--disable-component-update\b/, why: 'it silences component updates' },
  { pattern: /^--disable-sync\b/, why: 'it silences sync' },
  { pattern: /^--metrics-recording-only\b/, why: 'it stops metrics uploads' },
  { pattern: /^--disable-domain-reliability\b/, why: 'it silences domain reliability reports' },
  { pattern: /^--disable-client-side-phishing-detection\b/, why: 'it silences Safe Browsing' },
  { pattern: /^--disable-breakpad\b/, why: 'it silences crash reports' },
  { pattern: /^--no-pings\b/, why: 'it silences hyperlink auditing pings' },
  { pattern: /^--safebrowsing-disable/, why: 'it silences Safe Browsing' },
  {
    pattern: /^--ignore-certificate-errors$/,
    why: 'it ignores every certificate error (pinned hosts must stay gaps)',
  },
  {
    pattern: /^--ignore-tls-errors\b/,
    why: 'it ignores every certificate error (pinned hosts must stay gaps)',
  },
  { pattern: /^--ignore-certificate-errors-spki-list\b/, why: 'the driver trusts the run’s CA itself' },
  {
    pattern: /^--proxy-server\b|^--proxy=/,
    why: 'the driver routes the browser through the capture proxy itself',
  },
  { pattern: /^--incognito\b|^--private\b|^-private/, why: 'the mode comes from `modes`, not from args' },
];

const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const domain = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;

const targetSchema = z
  .object({
    id: z.string().regex(kebab, 'must be kebab-case (a-z, 0-9, -), without the mode'),
    name: z.string().min(1, 'must not be empty'),
    engine: z.enum(['chromium', 'firefox', 'webkit'], {
      error: 'must be chromium, firefox or webkit (Android devices are android:SERIAL targets)',
    }),
    driver: z
      .enum(Object.keys(OTHER_DRIVERS) as [string, ...string[]], {
        error: `must be one of ${Object.keys(OTHER_DRIVERS).join(', ')} (or left out: the engine's own driver)`,
      })
      .optional(),
    executablePath: z.string().startsWith('/', 'must be an absolute path').optional(),
    args: z
      .array(z.string())
      .default([])
      .superRefine((args, ctx) => {
        args.forEach((arg, i) => {
          const bad = FORBIDDEN_ARGS.find((f) => f.pattern.test(arg));
          if (bad)
            ctx.addIssue({ code: 'custom', path: [i], message: `"${arg}" is not allowed: ${bad.why}` });
        });
      }),
    vendorDomains: z
      .array(z.string().regex(domain, 'must be a registrable domain such as mozilla.org'))
      .min(1, 'must list at least one domain of the browser maker'),
    modes: z
      .array(z.enum(['normal', 'incognito'], { error: 'must be normal or incognito' }))
      .min(1, 'must list at least one mode')
      .optional(),
  })
  .strict();

const fileSchema = z.union([
  z.object({ targets: z.array(targetSchema).min(1, 'must list at least one target') }).strict(),
  z.array(targetSchema).min(1, 'must list at least one target'),
]);

/** A target config file that cannot be used; its message is one line: `file:line: field: reason`. */
export class TargetConfigError extends FileInputError {
  constructor(file: string, line: number, field: string, reason: string) {
    super(file, reason, field, line);
    this.name = 'TargetConfigError';
  }
}

export interface ParseOptions {
  /** Check that each executablePath exists on this machine (default true). */
  checkExecutables?: boolean;
}

/**
 * Parses the text of a targets file (YAML, of which JSON is a subset); `file` names it in errors.
 * Throws TargetConfigError naming file, line, field and reason.
 */
export function parseTargetsConfig(text: string, file: string, options: ParseOptions = {}): TargetConfig[] {
  let source: ReturnType<typeof parseYamlSource>;
  try {
    source = parseYamlSource(text, file);
  } catch (error) {
    const e = error as FileInputError;
    throw new TargetConfigError(file, e.line ?? 1, 'syntax', e.reason);
  }
  const lineOf = source.lineOf;
  const root: unknown = source.data;
  const parsed = fileSchema.safeParse(root);
  if (!parsed.success) {
    // The union reports both branches: keep the issue of the branch that matches the file's shape.
    const issues = parsed.error.issues.flatMap((i) =>
      i.code === 'invalid_union' ? (Array.isArray(root) ? (i.errors[1] ?? []) : (i.errors[0] ?? [])) : [i],
    );
    const issue = issues[0] ?? parsed.error.issues[0];
    const path = issue?.path ?? [];
    throw new TargetConfigError(file, lineOf(path), fieldPath(path), issue?.message ?? 'invalid');
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.targets;
  const prefix: PropertyKey[] = Array.isArray(parsed.data) ? [] : ['targets'];
  const seen = new Set<string>();
  return list.map((t, i) => {
    const at = (field: string): PropertyKey[] => [...prefix, i, field];
    if (seen.has(t.id)) {
      throw new TargetConfigError(file, lineOf(at('id')), fieldPath(at('id')), `"${t.id}" is used twice`);
    }
    seen.add(t.id);
    if (t.executablePath && options.checkExecutables !== false && !existsSync(t.executablePath)) {
      throw new TargetConfigError(
        file,
        lineOf(at('executablePath')),
        fieldPath(at('executablePath')),
        `${t.executablePath} does not exist on this machine`,
      );
    }
    const other = t.driver ? OTHER_DRIVERS[t.driver] : undefined;
    if (other && other.engine !== t.engine) {
      throw new TargetConfigError(
        file,
        lineOf(at('driver')),
        fieldPath(at('driver')),
        `${t.driver} drives the ${other.engine} engine, not ${t.engine}`,
      );
    }
    const target: TargetConfig = {
      id: t.id,
      name: t.name,
      engine: t.engine,
      driver: t.driver ?? ENGINE_DRIVERS[t.engine],
      vendorDomains: t.vendorDomains,
      args: t.args,
    };
    if (t.executablePath) target.executablePath = t.executablePath;
    // WebKitGTK under WebDriver has no normal mode (see drivers/README-desktop.md).
    const modes = t.modes ?? other?.modes;
    if (modes) target.modes = modes;
    return target;
  });
}

/** Reads and parses a targets file. Throws TargetConfigError (one line) for a missing or invalid file. */
export function loadTargetsConfig(file: string, options: ParseOptions = {}): TargetConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TargetConfigError(file, 0, 'file', `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseTargetsConfig(text, file, options);
}
