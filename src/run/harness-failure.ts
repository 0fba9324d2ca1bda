/**
 * What of phonehome's own making a launch needs besides the browser: a virtual display, a free
 * port, a network namespace. When one of these fails, the browser under test was never asked
 * anything, so the launch may be tried again; when the browser itself fails (crashes, hangs,
 * refuses the proxy), that is a result and is never retried away.
 */
export type HarnessPart = 'display' | 'port' | 'namespace';

/** A failure of the harness, not of the browser under test. */
export class HarnessError extends Error {
  constructor(
    readonly part: HarnessPart,
    message: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

/**
 * Which part of the harness an error says failed, or undefined when it is not the harness's doing.
 * Besides HarnessError, a browser's own words can name the display or the port: GTK's "cannot open
 * display" (or, from GNOME Web, "Can't create a GtkStyleContext without a display connection"),
 * Qt's "could not connect to display", Firefox's and Chromium's "no DISPLAY"/"Missing X
 * server", a port already in use.
 * Anything else (an exit, a crash, a timeout) counts as the browser's.
 */
export function harnessPart(error: unknown): HarnessPart | undefined {
  if (error instanceof HarnessError) return error.part;
  const text = error instanceof Error ? error.message : String(error);
  // Qt says it as "could not connect to display", then fails every platform plugin (its xcb one
  // needs the display; the others are never picked under X).
  if (
    /cannot open display|failed to open display|without a display connection|could not connect to display|no Qt platform plugin could be initialized|Missing X server|no DISPLAY environment variable/i.test(
      text,
    )
  ) {
    return 'display';
  }
  if (/EADDRINUSE|address already in use/i.test(text)) return 'port';
  return undefined;
}
