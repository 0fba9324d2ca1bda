import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type BrowserProcess, LaunchedSession, launchBrowser, windowedStart } from './browser-process.ts';
import type { LaunchOptions, ModeEvidence, SearchOptions, Session } from './driver.ts';
import { commandLineOf, sleep } from './process.ts';
import { copiedText, focusWindow, type XDisplay } from './x-display.ts';

const _run = promisify(execFile);

/**
 * A desktop browser driven as a person drives it: its window on a virtual display of its own, real
 * keys through xdotool, the window title as the sign that a page has loaded, and the clipboard (the
 * browser copies its own address) for where a click led. For browsers no automation client attaches
 * to (QtWebEngine 5.15 refuses playwright-core's connectOverCDP: "Browser context management is not
 * supported"), and for GNOME Web, which has no automation endpoint outside WebKit's test mode.
 */

/** What differs between the browsers this session drives: their keys and their window. */
export interface KeyboardUi {
  /** Product name, for messages (`Falkon`). */
  name: string;
  /** X window class of its browser window (`xdotool search --class`). */
  windowClass: string;
  /** Key presses (each one xdotool `key` call) that put the caret into an empty address bar. */
  openLocation: string[][];
  /** Key presses that copy the current page's address to the clipboard. */
  copyLocation: string[][];
  /** Key presses, with the caret in the address bar, that copy what was typed there (none: not read back). */
  copyTyped?: string[][];
  /**
   * How the page's first focusable element (the fixture search box, a result link) gets the focus:
   * a click into the page then `tabKey`, or key presses alone (Tab from a web view whose page has
   * nothing focused yet).
   */
  focusFirst: 'click-tab' | string[][];
  /** Key presses that focus a link of the page (default: as focusFirst). */
  focusLink?: string[][];
  /**
   * The key that, after a click low in the page, focuses a link: `Tab` where the next focus starts
   * at the page's top (WebKit), `shift+Tab` where it starts at the click (Chromium's sequential
   * focus starting point), which reaches the last link above it. The fixture pages' links are all
   * of the kind a scenario follows (`a.result`, or the one `a.next`).
   */
  tabKey: 'Tab' | 'shift+Tab';
  /** Key presses that quit the whole browser the way its user would. */
  quit: string[][];
  /** True while the title says the page is still loading (qutebrowser's `[42%]`). */
  loading?: (title: string) => boolean;
}

/** What a driver gives to launch its browser under keyboard control. */
export interface KeyboardLaunch {
  ui: KeyboardUi;
  /** Command and arguments (already wrapped for the seal and the mount namespace). */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** Reads the browser's version (`Falkon 22.12.1`). */
  version: (display: string) => Promise<string>;
  /** Reads which mode the browser itself says it is in, from its window title and its files. */
  mode: (title: string, argv: string[]) => Promise<ModeEvidence>;
  /** The browser's effective command line: its own plus what it was told in the environment. */
  commandLine: (pid: number | undefined) => string[];
}

/**
 * A session of a browser driven by keys in its own window (every browser here, and MiniBrowser's
 * own in drivers/webkit.ts): a visit types the URL into the location bar, presses Enter and waits
 * until the window title says the page has loaded. Each browser says how it types into its bar,
 * reads it back and waits.
 */
export abstract class TypingSession extends LaunchedSession {
  constructor(
    running: BrowserProcess,
    protected readonly x: XDisplay,
  ) {
    super(running);
  }

  /** The window's title (the page's, once loaded). */
  abstract title(): Promise<string>;

  /**
   * Waits until the window title is no longer `from`: the new page has loaded. `again` types and
   * submits the location once more, for a browser whose driver knows its bar can be rewritten or its
   * Enter lost.
   */
  protected abstract loadedAway(from: string, what: string, again?: () => Promise<void>): Promise<void>;

  /** Submits what was typed into the location bar (Enter). */
  protected async submit(): Promise<void> {
    await this.x.xdotool('key', 'Return');
  }

  /** Types `url` into the location bar, ready for Enter. */
  protected abstract typeLocation(url: string): Promise<void>;

  async visit(url: string): Promise<void> {
    const from = await this.title();
    await this.typeLocation(url);
    await this.submit();
    await this.loadedAway(from, `visit ${url}`, async () => {
      await this.typeLocation(url);
      await this.submit();
    });
  }

  /**
   * Types `url` into the bar (`type`) and reads it back (`readBack`) until it holds exactly the URL:
   * a key lost on a busy machine, an inline completion or the browser rewriting its bar would load
   * another page. Up to 3 tries, `undo` and half a second between them; then throws naming `bar`
   * and what it last read.
   */
  protected async typeUntilReadBack(
    url: string,
    bar: string,
    steps: { type(): Promise<void>; readBack(): Promise<string>; undo?(): Promise<void> },
  ): Promise<void> {
    let read = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      await steps.type();
      read = await steps.readBack();
      if (read === url) return;
      await steps.undo?.();
      await sleep(500);
    }
    throw new Error(`could not type ${url} into ${bar} (it reads "${read}")`);
  }
}

/** How long a navigation may take before the step fails (a loaded 2-core machine took 20 s). */
const LOAD_TIMEOUT_MS = 45_000;

class KeyboardBrowserSession extends TypingSession implements Session {
  constructor(
    running: BrowserProcess,
    x: XDisplay,
    private readonly window: string,
    private readonly spec: KeyboardLaunch,
  ) {
    super(running, x);
  }

  private get ui(): KeyboardUi {
    return this.spec.ui;
  }

  version(): Promise<string> {
    return this.spec.version(this.x.display);
  }

  title(): Promise<string> {
    return this.x.xdotool('getwindowname', this.window);
  }

  /**
   * Waits until the browser's start page has loaded (its title has not changed for 2 s and is not a
   * loading title, at most 30 s): keys typed while it loads are lost, or its load is taken for theirs.
   */
  async settled(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let title = await this.title();
    let since = Date.now();
    while (Date.now() < deadline) {
      await sleep(200);
      const now = await this.title();
      if (now !== title || this.ui.loading?.(now)) {
        title = now;
        since = Date.now();
      } else if (Date.now() - since >= 2000) {
        return;
      }
    }
  }

  /** Waits until the window title is neither `from` nor a loading title: the new page has loaded. */
  protected async loadedAway(from: string, what: string): Promise<void> {
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    let title = from;
    while (Date.now() < deadline) {
      title = await this.title();
      if (title !== from && title !== '' && !this.ui.loading?.(title)) {
        // The title comes with the document's head; give the rest of the page a moment.
        await sleep(500);
        return;
      }
      await sleep(100);
    }
    throw new Error(
      `${what}: the page did not load in ${this.ui.name} within ${LOAD_TIMEOUT_MS / 1000}s (window title "${title}")`,
    );
  }

  /**
   * Presses keys in the browser's window. The first key event after a focus change is sometimes
   * dropped (seen with MiniBrowser), so a lone Shift, which does nothing, goes first.
   */
  private async press(presses: string[][]): Promise<void> {
    await focusWindow(this.x, this.window);
    await this.x.xdotool('key', 'shift');
    await sleep(50);
    for (const keys of presses) {
      await this.x.xdotool('key', '--clearmodifiers', ...keys);
      await sleep(150);
    }
  }

  private async focusFirst(): Promise<void> {
    const focus = this.ui.focusFirst;
    if (focus === 'click-tab') await this.clickThenTab();
    else await this.press(focus);
  }

  /** Escape, a click into the page (the fixture pages' body takes focus wherever it is clicked), then Tab. */
  private async clickThenTab(): Promise<void> {
    // Closes the address bar's suggestion list, which would otherwise eat the click (a Qt popup
    // takes the click that closes it) and turn Tab into "next suggestion".
    await this.press([['Escape']]);
    const geometry = await this.x.xdotool('getwindowgeometry', this.window);
    const [width, height] = (geometry.match(/Geometry: (\d+)x(\d+)/)?.slice(1) ?? []).map(Number);
    if (!width || !height) throw new Error(`cannot read the size of ${this.ui.name}'s window: ${geometry}`);
    await this.x.xdotool(
      'mousemove',
      '--window',
      this.window,
      String(Math.floor(width / 2)),
      // Low in the page, below the fixture pages' few lines and above any status bar.
      String(Math.floor((height * 3) / 4)),
    );
    // (No --sync: xdotool waits for the pointer to move, forever when it is already there.)
    await sleep(50);
    await this.x.xdotool('click', '1');
    await sleep(150);
    await this.press([[this.ui.tabKey]]);
  }

  /**
   * Reads the page's address: the browser copies it to the clipboard, xclip reads it. The clipboard
   * first holds a marker of our own, so a copy that did not happen is never taken for the address.
   */
  async location(): Promise<string> {
    return this.clipboardAfter(this.ui.copyLocation, true);
  }

  /** Presses `keys`, which copy something, and reads the clipboard (copiedText). */
  private async clipboardAfter(keys: string[][], thenEscape: boolean): Promise<string> {
    const text = await copiedText(this.x, () => this.press(keys)).catch((e: Error) => {
      throw new Error(`could not read ${this.ui.name}'s address: ${e.message}`);
    });
    // Leave the address bar (or prompt) the copy may have opened.
    if (thenEscape) await this.press([['Escape']]);
    return text;
  }

  /**
   * Types `url` into the address bar and, where the browser lets its text be copied, reads it back
   * before it is submitted (typeUntilReadBack); where it does not, the typing is trusted.
   */
  protected async typeLocation(url: string): Promise<void> {
    const type = async () => {
      await this.press(this.ui.openLocation);
      await this.x.xdotool('type', '--delay', '15', url);
      await sleep(150);
    };
    const copyTyped = this.ui.copyTyped;
    if (!copyTyped) return type();
    await this.typeUntilReadBack(url, `${this.ui.name}'s address bar`, {
      type,
      readBack: () => this.clipboardAfter(copyTyped, false).catch((e: Error) => e.message),
      undo: () => this.press([['Escape']]),
    });
    // Back to the end of the text, where Enter submits it as typed.
    await this.x.xdotool('key', 'End');
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') {
      throw new Error(`searching from the address bar is not supported yet by the ${this.ui.name} driver`);
    }
    await this.visit(options.engineUrl);
    const from = await this.title();
    await this.focusFirst();
    // The focus reaches the page's element a moment after the key (a busy machine lost the first keys).
    await sleep(700);
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    await this.x.xdotool('type', '--delay', '40', query);
    await sleep(100);
    await this.x.xdotool('key', 'Return');
    await this.loadedAway(from, `search for ${query}`);
  }

  /**
   * Keys reach no CSS selector: this opens a link of the page (a click into the page, Tab or
   * Shift+Tab, Enter). On the fixture pages every link is of the kind the scenarios name
   * (`a.result`, `a.next`); the driver tests check where it lands.
   */
  async follow(selector: string): Promise<string> {
    const from = await this.title();
    if (this.ui.focusLink) await this.press(this.ui.focusLink);
    else await this.focusFirst();
    await sleep(700);
    await this.x.xdotool('key', 'Return');
    await this.loadedAway(from, `follow ${selector}`);
    return this.location();
  }

  async mode(): Promise<ModeEvidence> {
    return this.spec.mode(await this.title(), this.spec.commandLine(this.pid));
  }

  override async commandLine(): Promise<string[]> {
    return this.spec.commandLine(this.pid);
  }

  async close(): Promise<void> {
    await this.running.close({
      // Quit as a person would, so the browser writes its profile (and sends what it sends) as on a normal exit.
      quit: () => this.press(this.ui.quit),
      quitMs: 5000,
      exitMs: 8000,
      escalation: [
        ['SIGTERM', 3000],
        ['SIGKILL', 0],
      ],
    });
  }
}

/**
 * Starts the browser on a virtual display of its own (own process group, output to its log) and
 * waits for its window and its start page. On failure everything started is stopped and the error
 * names what was missing.
 */
export async function launchKeyboardBrowser(options: LaunchOptions, spec: KeyboardLaunch): Promise<Session> {
  const start = windowedStart(spec.ui.name, options, spec, { logPath: spec.logPath, append: true });
  return launchBrowser(start, async (running) => {
    const window = await running.window(spec.ui.windowClass, spec.ui.name);
    running.ready();
    const session = new KeyboardBrowserSession(running, running.x as XDisplay, window, spec);
    await session.settled();
    return session;
  });
}

/** The real command line of `pid` followed by the environment variables named in `names` it runs with. */
export function commandLineWithEnv(pid: number | undefined, names: readonly string[]): string[] {
  const argv = commandLineOf(pid);
  if (pid === undefined) return argv;
  let environ: string[] = [];
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    // Gone: the command line alone.
  }
  return [...argv, ...environ.filter((e) => names.some((n) => e.startsWith(`${n}=`)))];
}
