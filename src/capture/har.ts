import { writeFile } from 'node:fs/promises';
import type { Flow } from '../model/flow.ts';
import { flowBody, headerValue } from './flow.ts';

/** HAR 1.2 name/value pair (headers, query string, cookies, form params). */
export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarPostData {
  mimeType: string;
  text: string;
  params?: Array<HarNameValue & { fileName?: string; contentType?: string }>;
  /** Not in HAR 1.2 for postData, but written by HTTP Toolkit (and read here) for binary bodies. */
  encoding?: 'base64';
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  content: { size: number; mimeType: string; text?: string; encoding?: string };
  redirectURL: string;
  headersSize: number;
  bodySize: number;
}

/** phonehome's provenance for an entry, kept in a custom `_phonehome` field (allowed by HAR 1.2). */
export interface HarProvenance {
  id: string;
  seq: number;
  runId: string;
  target: string;
  scenario: string;
  mode: Flow['mode'];
  transport: Flow['transport'];
  tls: Flow['tls'];
  bodyTruncated?: boolean;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  serverIPAddress?: string;
  _phonehome?: HarProvenance;
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Body as HAR postData: UTF-8 text as is, anything else base64 with `encoding: "base64"`. */
function postData(flow: Flow): HarPostData | undefined {
  const body = flowBody(flow);
  if (body.length === 0) return undefined;
  const mimeType = headerValue(flow.request.headers, 'content-type') ?? '';
  try {
    return { mimeType, text: utf8.decode(body) };
  } catch {
    return { mimeType, text: body.toString('base64'), encoding: 'base64' };
  }
}

function cookies(flow: Flow): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const h of flow.request.headers) {
    if (h.name.toLowerCase() !== 'cookie') continue;
    for (const c of h.value.split(';')) {
      const eq = c.indexOf('=');
      if (eq > 0) out.push({ name: c.slice(0, eq).trim(), value: c.slice(eq + 1).trim() });
    }
  }
  return out;
}

function queryString(url: string): HarNameValue[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

/** Converts flows to a HAR 1.2 document, one entry per flow in order, with provenance in `_phonehome`. */
export function flowsToHar(flows: readonly Flow[], creator = { name: 'phonehome', version: '0.1.0' }): Har {
  const entries = flows.map((flow): HarEntry => {
    const r = flow.request;
    const pd = postData(flow);
    const httpVersion = r.httpVersion.startsWith('HTTP') ? r.httpVersion : `HTTP/${r.httpVersion}`;
    return {
      startedDateTime: flow.startedAt,
      time: flow.durationMs ?? 0,
      request: {
        method: r.method,
        url: r.url,
        httpVersion,
        cookies: cookies(flow),
        headers: r.headers.map((h) => ({ name: h.name, value: h.value })),
        queryString: queryString(r.url),
        ...(pd ? { postData: pd } : {}),
        headersSize: -1,
        bodySize: r.bodySize,
      },
      response: {
        // Sink mode answers locally; a flow without a response (aborted) is written as status 0.
        status: flow.response?.status ?? 0,
        statusText: '',
        httpVersion,
        cookies: [],
        headers: (flow.response?.headers ?? []).map((h) => ({ name: h.name, value: h.value })),
        content: {
          size: flow.response?.bodySize ?? 0,
          mimeType: headerValue(flow.response?.headers ?? [], 'content-type') ?? '',
        },
        redirectURL: '',
        headersSize: -1,
        bodySize: flow.response?.bodySize ?? -1,
      },
      cache: {},
      timings: { send: 0, wait: flow.durationMs ?? 0, receive: 0 },
      _phonehome: {
        id: flow.id,
        seq: flow.seq,
        runId: flow.runId,
        target: flow.target,
        scenario: flow.scenario,
        mode: flow.mode,
        transport: flow.transport,
        tls: flow.tls,
        ...(r.bodyTruncated ? { bodyTruncated: true } : {}),
      },
    };
  });
  return { log: { version: '1.2', creator, entries } };
}

/** Writes flows as a HAR 1.2 file. Throws the file system's error if the file cannot be written. */
export async function writeHar(path: string, flows: readonly Flow[]): Promise<void> {
  await writeFile(path, `${JSON.stringify(flowsToHar(flows), null, 2)}\n`);
}
