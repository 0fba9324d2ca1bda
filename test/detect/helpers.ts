import type { Flow, Header } from '../../src/model/flow.ts';
import type { Token } from '../../src/model/token.ts';

/** A flow as the capture would record it, for tests. */
export function makeFlow(url: string, body: Buffer | string = '', headers: Header[] = [], seq = 0): Flow {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    id: `test:normal/s#${seq}`,
    seq,
    runId: 'run',
    target: 'test:normal',
    scenario: 's',
    mode: 'normal',
    startedAt: '2024-01-01T00:00:00.000Z',
    transport: 'https',
    request: {
      method: 'POST',
      url,
      httpVersion: '1.1',
      headers,
      bodyBase64: b.toString('base64'),
      bodySize: b.length,
    },
    tls: { intercepted: true },
  };
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
