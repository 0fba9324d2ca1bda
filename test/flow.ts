import type { Flow, Header, Mode } from '../src/model/flow.ts';

/** What a test says of one captured request; every field but `url` has a default. */
export interface FlowSpec {
  url: string;
  /** Text is sent as UTF-8; default none. */
  body?: Buffer | string;
  /** Default POST. */
  method?: string;
  headers?: Header[];
  /** Default 0. */
  seq?: number;
  /** Where it was captured; default run `run`, target `test:normal`, scenario `s`, normal mode. */
  runId?: string;
  target?: string;
  scenario?: string;
  mode?: Mode;
  /** Default 2024-01-01T00:00:00.000Z. */
  startedAt?: string;
  /** What came back; default nothing (no response recorded). */
  response?: Flow['response'];
  /** The TLS server name; intercepted TLS either way. */
  sni?: string;
}

/** A flow over intercepted HTTPS as the capture would record it, for tests. */
export function testFlow(spec: FlowSpec): Flow {
  const { url, seq = 0, target = 'test:normal', scenario = 's' } = spec;
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : (spec.body ?? Buffer.alloc(0));
  return {
    id: `${target}/${scenario}#${seq}`,
    seq,
    runId: spec.runId ?? 'run',
    target,
    scenario,
    mode: spec.mode ?? 'normal',
    startedAt: spec.startedAt ?? '2024-01-01T00:00:00.000Z',
    transport: 'https',
    request: {
      method: spec.method ?? 'POST',
      url,
      httpVersion: '1.1',
      headers: spec.headers ?? [],
      bodyBase64: body.toString('base64'),
      bodySize: body.length,
    },
    ...(spec.response ? { response: spec.response } : {}),
    tls: spec.sni ? { sni: spec.sni, intercepted: true } : { intercepted: true },
  };
}
