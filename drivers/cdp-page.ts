import WebSocket from 'ws';
import { sleep, withTimeout } from './process.ts';

/**
 * A DevTools connection to one page target, for browsers whose browser-level endpoint today's
 * clients refuse: QtWebEngine 5.15 (Chromium 87) answers playwright-core's connectOverCDP with
 * "Browser context management is not supported", while its page targets speak the protocol. Only
 * page-level commands are used (Page, Runtime, Input); nothing here changes a browser setting.
 */
export class CdpPage {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
        method?: string;
        params?: unknown;
      };
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(message.error.message));
        else waiting?.resolve(message.result);
      } else if (message.method) {
        for (const listener of this.listeners.get(message.method) ?? []) listener(message.params);
      }
    });
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('the DevTools connection closed'));
      this.pending.clear();
    });
  }

  /**
   * Connects to the first page target the endpoint at `httpBase` (`http://127.0.0.1:PORT`) lists,
   * waiting up to `timeoutMs` for one to appear.
   * @throws with the reason when no page target answered.
   */
  static async connect(httpBase: string, timeoutMs = 30_000): Promise<CdpPage> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const targets = (await (await fetch(`${httpBase}/json/list`)).json()) as {
          type: string;
          webSocketDebuggerUrl?: string;
        }[];
        const page = targets.find((t) => t.type === 'page' && t.webSocketDebuggerUrl);
        if (page?.webSocketDebuggerUrl) {
          const socket = new WebSocket(
            page.webSocketDebuggerUrl.replace(/^ws:\/\/[^/]+/, httpBase.replace(/^http/, 'ws')),
          );
          await new Promise<void>((resolve, reject) => {
            socket.once('open', () => resolve());
            socket.once('error', reject);
          });
          const cdp = new CdpPage(socket);
          // A page held by a dialog of the browser's own (qutebrowser asking about a certificate it
          // refused) may never answer: the wait ends with the others' deadline.
          const left = Math.max(deadline - Date.now(), 1000);
          await withTimeout(
            Promise.all([cdp.send('Page.enable'), cdp.send('Runtime.enable')]),
            left,
            `the page target did not answer Page.enable within ${Math.round(left / 1000)}s`,
          ).catch((error: unknown) => {
            cdp.close();
            throw error;
          });
          return cdp;
        }
        last = 'no page target yet';
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(300);
    }
    throw new Error(`no DevTools page target at ${httpBase} within ${timeoutMs / 1000}s (${last})`);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves with the next event `method`'s params, or rejects after `timeoutMs` naming `what`. */
  next(method: string, timeoutMs: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const set = this.listeners.get(method) ?? new Set();
      this.listeners.set(method, set);
      const timer = setTimeout(() => {
        set.delete(listener);
        reject(new Error(`${what}: no ${method} within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      const listener = (params: unknown): void => {
        clearTimeout(timer);
        set.delete(listener);
        resolve(params);
      };
      set.add(listener);
    });
  }

  /** Evaluates `expression` in the page and returns its value (by value). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) {
      throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    }
    return result.value as T;
  }

  /** Presses one key as the keyboard does (keyDown with its text, then keyUp). */
  async key(key: string, text: string, code: string, keyCode: number): Promise<void> {
    const base = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', text, unmodifiedText: text, ...base });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
  }

  close(): void {
    this.socket.close();
  }
}
