import type { Flow, Header } from '../../src/model/flow.ts';
import type { Token } from '../../src/model/token.ts';
import { testFlow } from '../flow.ts';

/** A flow as the capture would record it, for tests: a POST of `body` to `url`. */
export function makeFlow(url: string, body: Buffer | string = '', headers: Header[] = [], seq = 0): Flow {
  return testFlow({ url, body, headers, seq });
}

export const CANARY = 'phc7k2x9qm4ztw';

export function canary(value = CANARY): Token {
  return { value, kind: 'canary', dataClass: 'search-terms', label: 'search term' };
}

export function deviceId(value: string, label: string): Token {
  return { value, kind: 'device-id', dataClass: 'device-ids', label };
}

export function deviceInfo(value: string, label: string): Token {
  return { value, kind: 'device-info', dataClass: 'device-info', label };
}
