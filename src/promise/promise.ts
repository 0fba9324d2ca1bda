/**
 * The promise a browser makes about its private mode, in its own words: the text it shows on the
 * page a private window opens with (Chromium's incognito new-tab page, …), as read from the
 * running browser under test. It goes into run.json as `targets[].promise` so a verdict can be read
 * beside what the vendor says, and `phonehome diff` reports a reworded promise.
 */
export type { BrowserPromise } from '../model/run-record.ts';

/**
 * Whitespace folded inside each line, blank lines dropped, link labels that stand alone ("Learn
 * more") kept: two reads of the same page give the same text, and a change of a word is a change.
 */
export function normalisePromise(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/[\s\u00a0]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** Resource text as it reads on the page: tags dropped (block tags part words), entities decoded, whitespace folded. */
export function resourceText(raw: string): string {
  return raw
    .replace(/<\/?(?:ul|ol|li|p|div|br|h\d|tr|td|section)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

/** Link labels pages append to a paragraph; the resource keeps them as strings of their own. */
const TRAILING_LINKS = [' Learn more'];

/**
 * The lines of a promise that none of the browser's own resource strings holds (placeholders such
 * as `$1` or `{ $engine }` match any text). Empty: every line is the browser's own wording.
 */
export function linesNotInResources(promise: string, resources: readonly string[]): string[] {
  const texts = resources.map(resourceText).filter((t) => t.length > 0);
  const PLACEHOLDER = /\$\d|\{ ?\$?[\w-]+ ?\}/;
  // A placeholder stands for a name or a number (a brand, an engine, a count), not a sentence: the
  // words around it must make up most of the line, so "$1 and $2" does not hold any line with "and".
  const patterns = texts
    .filter((t) => PLACEHOLDER.test(t))
    .map((t) => {
      const parts = t.split(new RegExp(PLACEHOLDER.source, 'g'));
      const literal = parts.join('').length;
      const re = new RegExp(
        `^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.{1,40}?')}$`,
      );
      return { re, literal };
    });
  const held = (line: string): boolean =>
    texts.some((t) => t.includes(line)) ||
    patterns.some((p) => p.literal * 2 >= line.length && p.re.test(line));
  return promise.split('\n').filter((line) => {
    if (held(line)) return false;
    const trail = TRAILING_LINKS.find((l) => line.endsWith(l));
    return !(trail && held(line.slice(0, -trail.length)));
  });
}

/**
 * The parts of a claim's quote that none of the browser's resource strings holds: the quote is cut
 * at " / " (a line break of the page) and each part must stand verbatim in one string (markup
 * stripped, placeholders such as `$1` or `{ -brand-short-name }` matching a name). Empty: every
 * word of the quote is the browser's own.
 */
export function quoteNotInResources(quote: string, resources: readonly string[]): string[] {
  const parts = quote
    .split(' / ')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) return [quote];
  return linesNotInResources(parts.join('\n'), resources);
}
