import type { ProxyEndpoint } from '../src/capture/proxy.ts';
import type { Mode } from '../src/model/flow.ts';
import type { BrowserPromise } from '../src/promise/promise.ts';
import type { Seal } from '../src/seal/seal.ts';

/**
 * Drivers launch a target browser behind the capture proxy and give a Session the scenarios use.
 * Drivers know nothing of claims; they only drive.
 */

export type { ProxyEndpoint };

export type Engine = 'chromium' | 'firefox' | 'webkit' | 'android';

/** A target as configured: what to launch and how to read its traffic. */
export interface TargetConfig {
  /** kebab-case id without mode, e.g. `chromium`, `reference`, `firefox-esr`. */
  id: string;
  /** Display name. */
  name: string;
  engine: Engine;
  /** Driver id in the registry (defaults to the engine). */
  driver?: string;
  executablePath?: string;
  /** Extra arguments for the browser (never ones that silence its own traffic). */
  args?: string[];
  /** Registrable domains of the browser maker (the `vendor` recipient class). */
  vendorDomains: string[];
  /** Modes to run; default both. */
  modes?: Mode[];
  /** Scenarios this target runs in the matrix (ids); default every scenario of the run. */
  scenarios?: string[];
  /** Unpacked extensions to install (allowed in incognito); used by the reference target. */
  extensions?: string[];
  /** True for the deliberately leaky reference target. */
  reference?: boolean;
  /**
   * Identifiers of the device the target runs on, known in advance (`kind` as in `imei`,
   * `android-id`, `os-version`, `build-fingerprint`); drivers that read them from the device add theirs.
   */
  identifiers?: { kind: string; value: string }[];
  /**
   * Registrable domains of the search engine the browser's address bar uses by default (Debian's
   * Chromium: DuckDuckGo): the `search-engine` recipient of the address-bar scenario.
   */
  addressBarEngine?: string[];
  /** Driver-specific options (Android serial, app package, …). */
  options?: Record<string, unknown>;
}

export interface LaunchOptions {
  target: TargetConfig;
  mode: Mode;
  proxy: ProxyEndpoint;
  /** A fresh folder this launch may use (profiles, logs). */
  workDir: string;
  /**
   * The sealed network namespace to run the browser in (given only to drivers that declare
   * `sealing`): run the browser with `seal.wrap(...)`; the proxy is reachable inside at the same
   * address.
   */
  seal?: Seal;
  /**
   * Run the browser with a real window (on a virtual display) because the scenario types or pastes
   * into the browser's own address bar. Only for drivers whose `supports.addressBar` or
   * `supports.paste` is true.
   */
  headed?: boolean;
}

/** Proof of which mode the browser itself believes it is in. */
export interface ModeEvidence {
  incognito: boolean;
  /** One sentence saying how this is known. */
  how: string;
}

/** A copy of an app's private data folder, and how it was made; or why none could be made. */
export type AppDataCopy = { dir: string; via: 'run-as' | 'root' } | { notScanned: string };

export interface SearchOptions {
  /** URL of the search engine's page with the search box (for `via: 'page'`). */
  engineUrl: string;
  /** Type into the page's search box, or into the browser's own address bar. */
  via?: 'page' | 'address-bar';
  /**
   * The page's text field to type into (CSS), for `via: 'page'`: the search box `input[name=q]` by
   * default, a form's field otherwise. Drivers that type with keys start from the page's first
   * focusable element, which the fixture pages make that field.
   */
  field?: string;
}

/** A launched browser. Every method may throw; the fixture records that as an interrupted scenario. */
export interface Session {
  /** Browser name and version, e.g. `Chromium 156.0.8078.108`. */
  version(): Promise<string>;
  /** Open a URL and wait for it to load. */
  visit(url: string): Promise<void>;
  /** Type a query and submit it; resolves when the results page has loaded. */
  search(query: string, options: SearchOptions): Promise<void>;
  /**
   * Put `url` on the clipboard, paste it into the browser's own address bar and press Enter (drivers
   * whose `supports.paste` is true; needs a headed launch).
   */
  pasteIntoAddressBar?(url: string): Promise<void>;
  /** Click the first link matching a CSS selector; resolves with the URL it led to. */
  follow(selector: string): Promise<string>;
  /** Let the browser run by itself for `ms` milliseconds. */
  idle(ms: number): Promise<void>;
  /** Which mode the browser itself says it is in. */
  mode(): Promise<ModeEvidence>;
  /**
   * What the browser itself says about its private mode, read from the page a private window opens
   * with; called right after launch, before any step navigates away. Undefined where the target
   * shows no such page (normal mode, a browser with none).
   */
  promise?(): Promise<BrowserPromise | undefined>;
  /** The browser's real command line (or effective prefs), for the no-silencing-flags check. */
  commandLine(): Promise<string[]>;
  /** Device firmware (model · build fingerprint) for device targets: the matrix's firmware column. */
  firmware?(): Promise<string>;
  /**
   * Copy the app's private data from the device into `dest` (devices: `run-as` on a debuggable
   * build, root on an emulator), or say why it cannot be read. Desktop browsers write into the
   * launch's work folder and need no copy.
   */
  appData?(dest: string): Promise<AppDataCopy>;
  /** Process id of the browser, when local. */
  readonly pid?: number;
  /**
   * Quit the browser the way its user would (its own shutdown, which may send what it holds back);
   * only when it does not exit by itself within the driver's timeout is it killed.
   */
  close(): Promise<void>;
  /** Set by close(): true when the browser did not quit by itself and had to be killed. */
  readonly forced?: boolean;
  /** Send the app to the background as the system's Home button does (devices). */
  toBackground?(): Promise<void>;
  /** Bring the app back to the foreground (devices). */
  toForeground?(): Promise<void>;
  /**
   * Stop the app as the system does to a backgrounded app (force-stop) and start it again, in the
   * same session (devices). Desktop browsers are closed and relaunched by the harness instead.
   */
  restartApp?(): Promise<void>;
}

export interface Driver {
  /** kebab-case id used in target configs. */
  id: string;
  /** One sentence: what it drives and how. */
  explain(): string;
  /**
   * Set when the driver can run its target inside a sealed network namespace; `outbound` lists the
   * ports inside it the driver needs reachable from the host (e.g. DevTools). Drivers without it
   * run unsealed and their scenarios carry a `not-sealed` gap.
   */
  sealing?: { outbound: number[] };
  /** What this driver can do beyond the basics; scenarios that need more are skipped elsewhere. */
  supports?: { addressBar?: boolean; paste?: boolean };
  /** Launch the target in a mode behind the proxy. Throws with a one-line message on failure. */
  launch(options: LaunchOptions): Promise<Session>;
}

/** What a scenario may need of a driver beyond the basics (a headed launch, for both). */
export type DriverNeed = 'address-bar' | 'paste';

/** Whether `driver` can do what a scenario `needs`: type into its address bar, or paste into it. */
export function meetsNeed(driver: Driver, need: DriverNeed): boolean {
  return need === 'address-bar' ? driver.supports?.addressBar === true : driver.supports?.paste === true;
}

const drivers = new Map<string, () => Promise<Driver>>();

/** Register a driver factory (lazy, so unused drivers never load their dependencies). */
export function registerDriver(id: string, factory: () => Promise<Driver>): void {
  drivers.set(id, factory);
}

/** Look up a driver; an unknown id fails with the list of known ids. */
export async function getDriver(id: string): Promise<Driver> {
  const factory = drivers.get(id);
  if (!factory) {
    throw new Error(`unknown driver "${id}"; known drivers: ${[...drivers.keys()].sort().join(', ')}`);
  }
  return factory();
}

export function driverIds(): string[] {
  return [...drivers.keys()].sort();
}
