import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserProcess, launchBrowser, windowedStart } from './browser-process.ts';
import type { Driver, LaunchOptions, ModeEvidence, SearchOptions, Session } from './driver.ts';
import { TypingSession } from './keyboard-browser.ts';
import { sleep } from './process.ts';
import { prepareMiniBrowser, SYSTEM_CA_BUNDLE, websiteDataPaths } from './webkitgtk.ts';
import { copiedText, focusWindow, type XDisplay } from './x-display.ts';

const run = promisify(execFile);

/**
 * MiniBrowser's arguments, each with why. No `--automation`: under automation MiniBrowser always
 * uses an ephemeral session (Tools/MiniBrowser/gtk/main.c: `if (privateMode || automationMode)`),
 * so it would have no normal mode; this driver types into its window instead.
 */
export function miniBrowserKeyboardArgs(
  proxyUrl: string,
  incognito: boolean,
  extra: string[] = [],
): string[] {
  return [
    // All traffic goes to the capture proxy, which answers it itself.
    `--proxy=${proxyUrl}`,
    // MiniBrowser's own private browsing mode (an ephemeral network session).
    ...(incognito ? ['--private'] : []),
    ...extra,
  ];
}

/**
 * The shell script the browser runs under: the run's CA is added to a copy of the system bundle,
 * bind-mounted over it in the browser's own mount namespace (only this browser trusts the CA; every
 * other certificate check stays as it is), then MiniBrowser itself. `$1` bundle, then the command.
 */
export const MINIBROWSER_LAUNCH_SCRIPT = `mount --bind "$1" ${SYSTEM_CA_BUNDLE} && shift && exec "$@"`;

/** MiniBrowser marks the window of an ephemeral web view (`webkit_web_view_is_ephemeral`) so. */
const PRIVATE_MARK = '[Private] ';
/** …and the window of a web view under WebDriver so: never expected here. */
const AUTOMATION_MARK = '[Automation] ';

/** How long a navigation may take before the step fails. */
const LOAD_TIMEOUT_MS = 30_000;
/** How long a visit's Enter may go without a new title before it is pressed once more. */
const RESUBMIT_MS = 12_000;

/**
 * A MiniBrowser window on a virtual display, driven as a person would: keys through xdotool, the
 * window title (MiniBrowser shows the page's title there) as the sign that a page has loaded, and
 * the location entry (copied to the clipboard and read back) for the URL a click led to.
 */
class KeyboardSession extends TypingSession implements Session {
  constructor(
    running: BrowserProcess,
    x: XDisplay,
    private readonly window: string,
    private readonly binary: string,
    private readonly homeDir: string,
  ) {
    super(running, x);
  }

  async version(): Promise<string> {
    // MiniBrowser needs a display even to print its version ("WebKitGTK 2.50.6").
    const { stdout } = await run(this.binary, ['--version'], {
      env: { ...process.env, DISPLAY: this.x.display },
    });
    return stdout.trim().split('\n')[0] ?? 'WebKitGTK unknown';
  }

  title(): Promise<string> {
    return this.x.xdotool('getwindowname', this.window);
  }

  /**
   * Waits until the window title is no longer `from`: the new page's title has arrived. A title
   * unchanged after RESUBMIT_MS has `again` type and submit the location once more. MiniBrowser
   * loads its own start page (www.webkitgtk.org, which the sink answers 204) at launch; on a busy
   * machine that load ended after the address was typed and read back, and put about:blank in the
   * entry before Enter: Enter then loaded about:blank, and no request for the address was ever
   * made (4 of 8 launches at load 9). A load that was only slow is asked for twice; the capture
   * shows both.
   */
  protected async loadedAway(from: string, what: string, again?: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const deadline = started + LOAD_TIMEOUT_MS;
    let resubmit = again;
    while (Date.now() < deadline) {
      if (resubmit && Date.now() - started > RESUBMIT_MS) {
        await resubmit();
        resubmit = undefined;
      }
      const title = await this.title();
      if (title !== from && title !== '') {
        // The title comes with the document's head; give the rest of the page a moment.
        await sleep(300);
        return;
      }
      await sleep(100);
    }
    throw new Error(
      `${what}: the page did not load within ${LOAD_TIMEOUT_MS / 1000}s (window title still "${from}")`,
    );
  }

  /**
   * Sends keys to MiniBrowser's window. The first key event after a focus change or a click is
   * sometimes dropped (seen: about one run in two), so a lone Shift, which does nothing, goes first.
   */
  private async key(...keys: string[]): Promise<void> {
    await focusWindow(this.x, this.window);
    await this.x.xdotool('key', 'shift');
    await sleep(50);
    await this.x.xdotool('key', '--clearmodifiers', ...keys);
  }

  /**
   * Puts the keyboard focus on the page's first focusable element, as a person would: a click into
   * the page (the fixture pages' body takes focus wherever it is clicked), then Tab.
   */
  private async focusFirstElement(): Promise<void> {
    const geometry = await this.x.xdotool('getwindowgeometry', this.window);
    const [width, height] = (geometry.match(/Geometry: (\d+)x(\d+)/)?.slice(1) ?? []).map(Number);
    if (!width || !height) throw new Error(`cannot read the size of MiniBrowser's window: ${geometry}`);
    await this.x.xdotool(
      'mousemove',
      '--window',
      this.window,
      String(Math.floor(width / 2)),
      String(height - 20),
    );
    // (No --sync: xdotool waits for the pointer to move, forever when it is already there.)
    await sleep(50);
    await this.x.xdotool('click', '1');
    await sleep(100);
    await this.key('Tab');
  }

  /**
   * Reads the location entry: Ctrl+L selects its text, Ctrl+C copies it, xclip reads the clipboard.
   * The clipboard first holds a marker of our own, so a copy that did not happen is never mistaken
   * for the URL. (The X primary selection, set by the selection alone, was not there at all on a
   * busy machine.) Polled, with Ctrl+L and Ctrl+C pressed again, for up to ~10 s.
   */
  private async selectLocation(accepts?: (text: string) => boolean): Promise<string> {
    const copy = async () => {
      await this.key('ctrl+l');
      await sleep(100);
      await this.x.xdotool('key', '--clearmodifiers', 'ctrl+c');
    };
    return copiedText(this.x, copy, { ...(accepts ? { accepts } : {}), utf8: true }).catch((e: Error) => {
      throw new Error(`could not read MiniBrowser's location entry: ${e.message}`);
    });
  }

  /**
   * Types `url` into the location entry and reads it back before it is submitted
   * (typeUntilReadBack): MiniBrowser rewrites the entry whenever the page's URI changes (its start
   * page, a redirect), which can overwrite what is being typed.
   */
  protected async typeLocation(url: string): Promise<void> {
    await this.typeUntilReadBack(url, "MiniBrowser's location entry", {
      type: async () => {
        await this.key('ctrl+l');
        await this.x.xdotool('type', '--delay', '8', url);
      },
      // An entry that gives nothing to copy is a miss to type again, not the end: the keys typed
      // into a window not yet ready, or MiniBrowser emptying the entry as its start page settles.
      readBack: () => this.selectLocation().catch((e: Error) => `(unread: ${e.message})`),
    });
  }

  /** Enter, after the lone Shift key() sends first: the first key after a focus change can be lost. */
  protected override async submit(): Promise<void> {
    await this.key('Return');
  }

  async search(query: string, options: SearchOptions): Promise<void> {
    if (options.via === 'address-bar') {
      throw new Error(
        "searching from the address bar is not supported by the webkit driver: MiniBrowser's location entry loads URLs only (a typed word is not sent to any search engine)",
      );
    }
    await this.visit(options.engineUrl);
    const from = await this.title();
    // The engine page's first focusable element is its search box.
    await this.focusFirstElement();
    // Typed key by key, as a person would: suggestion requests fire per keystroke.
    await this.x.xdotool('type', '--delay', '25', query);
    await this.x.xdotool('key', 'Return');
    await this.loadedAway(from, `search for ${query}`);
  }

  /**
   * Keys reach no CSS selector: this opens the page's first link (Tab from the top, Enter). On the
   * fixture pages that is the link the scenarios name (`a.result`, `a.next`); the driver test checks
   * where it lands.
   */
  async follow(selector: string): Promise<string> {
    const from = await this.title();
    await this.focusFirstElement();
    await this.x.xdotool('key', 'Return');
    await this.loadedAway(from, `follow ${selector}`);
    // Where the click led: the entry then holds a URL; anything else was copied from elsewhere.
    // (While a URL is being typed, the entry may hold what MiniBrowser rewrote it to, without its
    // scheme: typeLocation compares what it reads and types again.)
    return this.selectLocation((text) => URL.canParse(text));
  }

  async mode(): Promise<ModeEvidence> {
    const title = await this.title();
    const argv = await this.commandLine();
    const marked = title.startsWith(PRIVATE_MARK);
    const stored = websiteDataPaths(this.homeDir);
    if (title.startsWith(AUTOMATION_MARK)) {
      return { incognito: false, how: `MiniBrowser's window says it is under automation ("${title}")` };
    }
    return {
      incognito: marked && argv.includes('--private'),
      how: marked
        ? `MiniBrowser marks its window "[Private]", as it does for an ephemeral web view, and runs with --private${
            stored.length === 0 ? '; it has written no website data' : ''
          }`
        : `MiniBrowser's window ("${title}") has no "[Private]" mark: its web view keeps website data in ${join(
            this.homeDir,
            '.local/share/webkitgtk-4.1/MiniBrowser',
          )}`,
    };
  }

  async close(): Promise<void> {
    await this.running.close({
      // Ctrl+Q quits MiniBrowser as a person would, so it writes its profile as it does on a normal exit.
      quit: () => this.key('ctrl+q'),
      quitMs: 3000,
      exitMs: 5000,
      escalation: [
        ['SIGTERM', 3000],
        ['SIGKILL', 0],
      ],
      // Its web, network and GPU processes outlived it on a busy machine, still writing into the
      // profile (mesa_shader_cache) while the folder was being deleted.
      sweep: true,
    });
  }
}

/**
 * Drives WebKitGTK's MiniBrowser without WebDriver, in normal and private mode: a window on a
 * virtual display of its own, real keys through xdotool. The run's CA is trusted through the system
 * bundle as seen from the browser's own mount namespace.
 */
export const webkitDriver: Driver = {
  id: 'webkit',
  sealing: { outbound: [] },
  explain: () =>
    "launches WebKitGTK's MiniBrowser (normal or --private) behind the capture proxy on a virtual display and types into it with xdotool, trusting the run's CA through the system bundle in the browser's own mount namespace",
  async launch(options: LaunchOptions): Promise<Session> {
    const { target, mode, proxy, workDir } = options;
    const { binary, homeDir, env, command, args } = prepareMiniBrowser(
      options,
      [
        ['/usr/bin/Xvfb', 'xvfb'],
        ['/usr/bin/xdotool', 'xdotool'],
        ['/usr/bin/xclip', 'xclip'],
      ],
      MINIBROWSER_LAUNCH_SCRIPT,
      (binary) => [binary, ...miniBrowserKeyboardArgs(proxy.url, mode === 'incognito', target.args)],
    );
    const start = windowedStart(
      'MiniBrowser',
      options,
      { command, args, env },
      { logPath: join(workDir, 'minibrowser.log'), append: true },
    );
    return launchBrowser(start, async (running) => {
      const window = await running.window('MiniBrowser', 'MiniBrowser');
      running.ready();
      return new KeyboardSession(running, running.x as XDisplay, window, binary, homeDir);
    });
  },
};
