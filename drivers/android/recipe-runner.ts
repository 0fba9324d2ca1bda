import { AndroidError } from './errors.ts';
import type { Selector, Step } from './recipe.ts';

/**
 * Runs recipe steps against a WebDriver session (Appium with UiAutomator2 on a device, or Appium's
 * fake driver in tests). Only W3C element commands are used, so the same steps run on both.
 */

/** The slice of a WebdriverIO browser the runner uses: plain W3C WebDriver commands. */
export interface StepTarget {
  findElements(using: string, value: string): Promise<Array<Record<string, string>>>;
  elementClick(elementId: string): Promise<unknown>;
  elementClear(elementId: string): Promise<unknown>;
  elementSendKeys(elementId: string, text: string): Promise<unknown>;
  getElementAttribute(elementId: string, name: string): Promise<string | null>;
  performActions(actions: object[]): Promise<unknown>;
  releaseActions(): Promise<unknown>;
  execute(script: string, ...args: unknown[]): Promise<unknown>;
  back(): Promise<unknown>;
}

/** Values a step's text may refer to as `{name}`. */
export type StepValues = Record<string, string>;

export interface RunnerOptions {
  /** Use Android key codes (`mobile: pressKey`, UiAutomator2) instead of W3C key actions. */
  androidKeys: boolean;
  /** Poll interval while waiting for an element. */
  pollMs?: number;
  /** Wait for optional elements before skipping them. */
  optionalTimeoutMs?: number;
  /** Wait for required elements before failing. */
  requiredTimeoutMs?: number;
}

/** What happened to one step, for the session's log and for tests. */
export interface StepOutcome {
  step: string;
  /** `unchanged`: a toggle that was read and already in the state asked for (not tapped). */
  outcome: 'done' | 'skipped' | 'unchanged';
}

const W3C_ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const ANDROID_KEYCODES = { enter: 66, back: 4 } as const;
const W3C_KEYS = { enter: '\uE007' } as const;

/** Turn a recipe selector into a W3C locator strategy and value. */
export function toLocator(selector: Selector): { using: string; value: string } {
  if (selector.by === 'text') return { using: 'xpath', value: `//*[@text=${xpathLiteral(selector.value)}]` };
  return { using: selector.by, value: selector.value };
}

/** An XPath string literal for any text (XPath 1.0 has no escapes, hence concat for mixed quotes). */
export function xpathLiteral(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat(${text
    .split('"')
    .map((part) => `"${part}"`)
    .join(`, '"', `)})`;
}

/** Fill `{name}` placeholders; an unknown name is a recipe bug and throws. */
export function fillTemplate(text: string, values: StepValues): string {
  return text.replace(/\{([a-z]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`recipe text refers to {${name}}, which this step does not provide`);
    return value;
  });
}

/** One line describing a step, for logs and error messages. */
export function describeStep(step: Step): string {
  const sel = (s: Selector) => `${s.by} "${s.value}"${s.verified ? '' : ' (unverified)'}`;
  if ('tap' in step) return `tap ${sel(step.tap)}`;
  if ('set' in step) return `set ${sel(step.set)} ${step.checked ? 'on' : 'off'}`;
  if ('type' in step) return `type "${step.text}" into ${sel(step.type)}`;
  if ('key' in step) return `press ${step.key}`;
  if ('waitFor' in step) return `wait for ${sel(step.waitFor)}`;
  if ('waitGone' in step) return `wait until ${sel(step.waitGone)} is gone`;
  return `sleep ${step.sleep} ms`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RecipeRunner {
  private readonly target: StepTarget;
  private readonly options: Required<RunnerOptions>;

  constructor(target: StepTarget, options: RunnerOptions) {
    this.target = target;
    this.options = { pollMs: 250, optionalTimeoutMs: 2_000, requiredTimeoutMs: 10_000, ...options };
  }

  /** First matching element id, polling until the timeout; undefined when none appeared. */
  async find(selector: Selector, timeoutMs: number): Promise<string | undefined> {
    const { using, value } = toLocator(selector);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.target.findElements(using, value);
      const id = found[0]?.[W3C_ELEMENT] ?? found[0]?.ELEMENT;
      if (id) return id;
      if (Date.now() >= deadline) return undefined;
      await sleep(this.options.pollMs);
    }
  }

  /** True when the element is on screen now (no waiting). */
  async present(selector: Selector): Promise<boolean> {
    return (await this.find(selector, 0)) !== undefined;
  }

  /**
   * Run steps in order.
   * @throws AndroidError `recipe-step-failed` naming the step when a required one cannot be done.
   */
  async run(steps: Step[], values: StepValues = {}, phase = 'recipe'): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const [index, step] of steps.entries()) {
      const label = describeStep(step);
      try {
        const done = await this.runStep(step, values);
        outcomes.push({ step: label, outcome: done === true ? 'done' : done === false ? 'skipped' : done });
      } catch (e) {
        throw new AndroidError(
          'recipe-step-failed',
          `android recipe ${phase} step ${index + 1} (${label}) failed: ${(e as Error).message.split('\n')[0]}`,
        );
      }
    }
    return outcomes;
  }

  /** Resolves true when done, false when an optional step was skipped, `unchanged` for a toggle left as it was. */
  private async runStep(step: Step, values: StepValues): Promise<boolean | 'unchanged'> {
    if ('sleep' in step) {
      await sleep(step.sleep);
      return true;
    }
    if ('key' in step) {
      await this.pressKey(step.key);
      return true;
    }
    if ('waitGone' in step) {
      const limit = step.timeoutMs ?? this.options.requiredTimeoutMs;
      const deadline = Date.now() + limit;
      while (await this.present(step.waitGone)) {
        if (Date.now() >= deadline) throw new Error(`still on screen after ${limit} ms`);
        await sleep(this.options.pollMs);
      }
      return true;
    }
    const selector =
      'tap' in step ? step.tap : 'set' in step ? step.set : 'type' in step ? step.type : step.waitFor;
    const timeoutMs =
      step.timeoutMs ?? (step.optional ? this.options.optionalTimeoutMs : this.options.requiredTimeoutMs);
    const id = await this.find(selector, timeoutMs);
    if (!id) {
      if (step.optional) return false;
      throw new Error(`no element after ${timeoutMs} ms`);
    }
    if ('set' in step) return this.setToggle(id, step.checked);
    if ('tap' in step) await this.target.elementClick(id);
    else if ('type' in step) {
      await this.target.elementClear(id);
      await this.target.elementSendKeys(id, fillTemplate(step.text, values));
    }
    return true;
  }

  /** Reads the toggle, taps it only when it is not as wanted, and reads it again. */
  private async setToggle(id: string, wanted: boolean): Promise<true | 'unchanged'> {
    if (!(await this.checked(id, 'checkable'))) throw new Error('it is not a toggle (checkable is not true)');
    if ((await this.checked(id, 'checked')) === wanted) return 'unchanged';
    await this.target.elementClick(id);
    const now = await this.checked(id, 'checked');
    if (now !== wanted) throw new Error(`it is still ${now ? 'on' : 'off'} after the tap`);
    return true;
  }

  /** A boolean attribute as UiAutomator2 reports it ("true"/"false"); anything else is unreadable. */
  private async checked(id: string, name: 'checked' | 'checkable'): Promise<boolean> {
    const value = await this.target.getElementAttribute(id, name);
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new Error(`cannot read whether it is ${name} (${name}=${JSON.stringify(value)})`);
  }

  private async pressKey(key: 'enter' | 'back'): Promise<void> {
    if (this.options.androidKeys) {
      await this.target.execute('mobile: pressKey', { keycode: ANDROID_KEYCODES[key] });
      return;
    }
    if (key === 'back') {
      await this.target.back();
      return;
    }
    await this.target.performActions([
      {
        type: 'key',
        id: 'keyboard',
        actions: [
          { type: 'keyDown', value: W3C_KEYS[key] },
          { type: 'keyUp', value: W3C_KEYS[key] },
        ],
      },
    ]);
    await this.target.releaseActions();
  }
}
