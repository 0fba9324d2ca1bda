import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type * as mockttp from 'mockttp';
// The server and the certificate helpers only: mockttp's main module also loads its admin server
// and remote client (express, GraphQL), 40 % of its import time, which every test worker paid.
import { MockttpServer } from 'mockttp/dist/server/mockttp-server';
import { generateCACertificate, generateSPKIFingerprint } from 'mockttp/dist/util/certificates';
import type { Flow, Header, Provenance } from '../model/flow.ts';
import type { Gap } from '../model/gap.ts';
import { ActivityTracker, type CaptureActivity, type InFlightRequest } from './activity.ts';
import { FlowLog } from './flow-log.ts';

/** What a driver needs to know about the proxy of this scenario run. */
export interface ProxyEndpoint {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  /** The run's CA certificate, PEM. */
  caCertPem: string;
  /** Path of the CA certificate PEM file in the run folder. */
  caCertPath: string;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo (Chromium's SPKI form). */
  caSpki: string;
}

/** A request as the sink sees it. */
export interface SinkRequest {
  method: string;
  url: string;
  headers: Header[];
  body: Buffer;
}

/** What the sink answers. Nothing is ever forwarded upstream. */
export interface SinkResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Sink = (request: SinkRequest) => SinkResponse | Promise<SinkResponse>;

export interface CaptureOptions {
  provenance: Provenance;
  /** Folder of this capture: CA files and the flow log go here. Created if missing. */
  dir: string;
  /** Answers every request; default: 204 No Content for everything. */
  sink?: Sink;
  /** Bodies above this many bytes are not kept (the flow is marked truncated and a gap recorded). Default 32 MiB. */
  maxBodyBytes?: number;
  /** Keep the CA private key after stop (default: deleted). */
  keepKey?: boolean;
}

export interface Capture {
  endpoint: ProxyEndpoint;
  /** Path of the NDJSON flow log. */
  logPath: string;
  /** Flows seen so far, in arrival order. */
  flows(): Flow[];
  /** Gaps seen so far (TLS handshakes it could not open, unreadable requests). */
  gaps(): Gap[];
  /** Record a gap found by someone else (e.g. an interrupted scenario); it is logged too. */
  addGap(gap: Gap): void;
  /** When the target last sent anything, and the requests it has not finished sending. */
  activity(): CaptureActivity;
  /**
   * Stops the proxy, flushes the log and deletes the CA key unless kept. A request whose body had
   * not completed by then becomes a `still-sending` gap: what it carried was never read. Safe to
   * call twice.
   */
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

/**
 * Starts an HTTPS-intercepting proxy on 127.0.0.1 (free port) with a CA generated for this capture,
 * in sink mode: every request is answered by `sink` and recorded; nothing goes upstream.
 * Throws if the CA cannot be written or the proxy cannot listen.
 */
export async function startCapture(options: CaptureOptions): Promise<Capture> {
  const { provenance, dir } = options;
  mkdirSync(dir, { recursive: true });
  const ca = await generateCACertificate({
    subject: { commonName: `phonehome capture CA ${provenance.runId}` },
  });
  const caCertPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca-key.pem');
  writeFileSync(caCertPath, ca.cert, { mode: 0o644 });
  writeFileSync(caKeyPath, ca.key, { mode: 0o600 });
  chmodSync(caKeyPath, 0o600);
  const caSpki = await generateSPKIFingerprint(ca.cert);

  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const server = new MockttpServer({
    https: { key: ca.key, cert: ca.cert },
    recordTraffic: false,
    maxBodySize: maxBody,
  });
  const log = new FlowLog(join(dir, 'flows.ndjson'));
  const flows: Flow[] = [];
  const byMockttpId = new Map<string, Flow>();
  const gaps: Gap[] = [];
  const started = new Map<string, number>();
  const sink: Sink = options.sink ?? (() => ({ status: 204 }));
  const activity = new ActivityTracker();

  const addGap = (gap: Gap): void => {
    const full: Gap = {
      target: provenance.target,
      scenario: provenance.scenario,
      mode: provenance.mode,
      at: new Date().toISOString(),
      ...gap,
    };
    gaps.push(full);
    log.appendGap(full);
  };

  const record = (req: mockttp.CompletedRequest, transport: Flow['transport']): Flow => {
    const seq = flows.length;
    const body = req.body.buffer;
    const declared = declaredLength(req.rawHeaders);
    // mockttp drops a body over its bound (it arrives empty): a declared length tells, and a chunked
    // body that arrives empty may have been one.
    const chunked = /chunked/i.test(headerOf(req.rawHeaders, 'transfer-encoding') ?? '');
    const truncated = (declared !== undefined && body.length < declared) || (chunked && body.length === 0);
    const flow: Flow = {
      ...provenance,
      id: `${provenance.target}/${provenance.scenario}#${seq}`,
      seq,
      startedAt: new Date(req.timingEvents.startTime).toISOString(),
      transport,
      request: {
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        headers: pairs(req.rawHeaders),
        bodyBase64: body.toString('base64'),
        bodySize: declared ?? body.length,
        ...(truncated ? { bodyTruncated: true } : {}),
      },
      tls: transport === 'https' || transport === 'wss' ? { intercepted: true } : null,
    };
    flows.push(flow);
    byMockttpId.set(req.id, flow);
    started.set(req.id, req.timingEvents.startTime);
    log.appendFlow(flow);
    if (truncated) {
      addGap({
        kind: 'capture-error',
        host: hostOf(req.url),
        flowId: flow.id,
        reason: `the body of ${req.method} ${req.url.slice(0, 100)} (${declared !== undefined ? `${declared} bytes` : 'chunked'}) was over the capture's ${maxBody}-byte bound and was not examined`,
      });
    }
    return flow;
  };

  await server.forAnyRequest().thenCallback(async (req) => {
    const answer = await sink({
      method: req.method,
      url: req.url,
      headers: pairs(req.rawHeaders),
      body: req.body.buffer,
    });
    return { statusCode: answer.status, headers: answer.headers ?? {}, body: answer.body ?? '' };
  });
  // WebSockets are recorded (as ws/wss flows) and refused: the sink has no one to talk to.
  await server.forAnyWebSocket().thenRejectConnection(403);

  await server.on('request-initiated', (req) => {
    activity.started(req.id, { method: req.method, url: req.url, startedAt: req.timingEvents.startTime });
  });
  await server.on('request-body-data', () => activity.touch());
  await server.on('request', (req) => {
    activity.finished(req.id);
    record(req, req.protocol === 'https' ? 'https' : 'http');
  });
  await server.on('websocket-request', (req) => {
    activity.finished(req.id);
    record(req, req.protocol === 'https' ? 'wss' : 'ws');
  });
  await server.on('websocket-message-received', () => activity.touch());
  await server.on('abort', (req) => {
    // Aborted after its body was read: the flow is recorded and nothing was lost.
    if (byMockttpId.has(req.id)) return;
    activity.finished(req.id);
    addGap({
      kind: 'capture-error',
      host: hostOf(req.url),
      reason: `the target aborted ${req.method} ${req.url.slice(0, 100)} before its body completed, so what it carried was not read`,
    });
  });
  await server.on('response', (res) => {
    const flow = byMockttpId.get(res.id);
    if (!flow) return;
    flow.response = {
      status: res.statusCode,
      headers: pairs(res.rawHeaders),
      bodySize: res.body.buffer.length,
    };
    const start = started.get(res.id);
    if (start !== undefined) flow.durationMs = Math.round(res.timingEvents.startTime - start);
  });
  await server.on('tls-client-error', (failure) => {
    activity.touch();
    const host = failure.tlsMetadata?.sniHostname ?? failure.destination?.hostname ?? 'unknown';
    addGap({
      kind: 'tls-opaque',
      host,
      protocol: 'tls',
      reason: `the client aborted the TLS handshake for ${host} against the run's CA (${failure.failureCause}), so what it sent there could not be read`,
    });
  });
  await server.on('client-error', (error) => {
    const url = error.request.url ?? error.request.path ?? '(unknown URL)';
    addGap({
      kind: 'capture-error',
      host: error.request.destination?.hostname,
      reason: `the proxy could not read a request to ${url} (${error.errorCode ?? 'malformed request'})`,
    });
  });

  await listenOnLoopback(() => server.start());
  const endpoint: ProxyEndpoint = {
    host: '127.0.0.1',
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    caCertPem: ca.cert,
    caCertPath,
    caSpki,
  };

  let stopped = false;
  return {
    endpoint,
    logPath: log.path,
    flows: () => [...flows],
    gaps: () => settledGaps(gaps, flows),
    addGap,
    activity: () => activity.snapshot(),
    async stop() {
      if (stopped) return;
      stopped = true;
      const unfinished = activity.snapshot().inFlight;
      await server.stop();
      for (const request of unfinished) addGap(stillSending(request));
      log.close();
      if (!options.keepKey) rmSync(caKeyPath, { force: true });
    },
  };
}

/**
 * A refused handshake hides what was sent only when the host was never opened in this capture.
 * Browsers abort handshakes for their own reasons (cancelled preconnects, retries under load: seen
 * with Chromium, which refused one connection to a host and opened the next one seconds later), so a
 * host that was read successfully in the same capture is not opaque. The refused handshake stays in
 * the flow log either way. A host that pins its certificate is never read, so it keeps its gap.
 */
function settledGaps(gaps: Gap[], flows: Flow[]): Gap[] {
  const seenHosts = new Set(flows.map((f) => hostOf(f.request.url)));
  return gaps.filter((g) => !(g.kind === 'tls-opaque' && g.host && seenHosts.has(g.host)));
}

/** A request the target was still sending when the capture stopped. */
export function stillSending(request: InFlightRequest): Gap {
  return {
    kind: 'still-sending',
    host: hostOf(request.url),
    reason: `${request.method} ${request.url.slice(0, 100)} (started ${new Date(request.startedAt).toISOString()}) had not finished sending its body when the watch closed, so what it carried was not read`,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function pairs(raw: [string, string][]): Header[] {
  return raw.map(([name, value]) => ({ name, value }));
}

function headerOf(raw: [string, string][], name: string): string | undefined {
  return raw.find(([n]) => n.toLowerCase() === name)?.[1];
}

function declaredLength(raw: [string, string][]): number | undefined {
  const value = headerOf(raw, 'content-length');
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

let listenLock: Promise<void> = Promise.resolve();

/**
 * mockttp listens on every interface; the proxy must only be reachable from this machine. While
 * `start` runs, a listen() given only a port is pinned to 127.0.0.1. Starts are serialised so the
 * patch never leaks to another server.
 */
async function listenOnLoopback(start: () => Promise<void>): Promise<void> {
  const previous = listenLock;
  let release = (): void => {};
  listenLock = new Promise((resolve) => {
    release = resolve;
  });
  await previous;
  const original = net.Server.prototype.listen;
  const call = original as (this: net.Server, ...args: unknown[]) => net.Server;
  net.Server.prototype.listen = function patched(this: net.Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
      return call.call(this, args[0], '127.0.0.1', ...args.slice(1));
    }
    return call.apply(this, args);
  } as typeof original;
  try {
    await start();
  } finally {
    net.Server.prototype.listen = original;
    release();
  }
}
