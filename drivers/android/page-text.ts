import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';

/**
 * The texts an XPath 1.0 expression selects in a page source (UiAutomator2's hierarchy, or Appium's
 * fake driver's screen): attribute values as they are, an element's `text` attribute, a text
 * node's data; in document order (screen order for UiAutomator2), empty ones dropped.
 * @throws Error naming the expression when it is not XPath 1.0, or the source when it is not XML.
 */
export function textsAt(source: string, expression: string): string[] {
  let parsed: ReturnType<DOMParser['parseFromString']>;
  try {
    parsed = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(source, 'text/xml');
  } catch (e) {
    throw new Error(`the page source is not XML (${(e as Error).message.split('\n')[0]})`);
  }
  let selected: xpath.SelectReturnType;
  try {
    selected = xpath.select(expression, parsed as unknown as Node);
  } catch (e) {
    throw new Error(`"${expression}" is not an XPath 1.0 expression (${(e as Error).message})`);
  }
  const nodes = Array.isArray(selected) ? selected : [];
  return nodes
    .map((n) => {
      if (xpath.isAttribute(n) || xpath.isTextNode(n)) return n.nodeValue ?? '';
      if (xpath.isElement(n)) return n.getAttribute('text') ?? '';
      return '';
    })
    .filter((t) => t.trim().length > 0);
}
