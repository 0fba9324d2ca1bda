import { z } from 'zod';

/**
 * A Flow is one request the capture saw, with its provenance. Flows are plain data: they are written
 * to the NDJSON flow log one per line as they arrive, read back from it or from a HAR file, and are
 * the only input of decoding and detection.
 */

/** The two ways a target is driven: its normal mode and its own private (incognito) mode. */
export type Mode = 'normal' | 'incognito';
export const MODES: readonly Mode[] = ['normal', 'incognito'];

/** One header line; order and duplicates are kept, as on the wire. */
export interface Header {
  name: string;
  value: string;
}

/** Where a flow came from: which run, target, scenario and mode. */
export interface Provenance {
  runId: string;
  /** Target id including its mode, e.g. `chromium:incognito`. */
  target: string;
  scenario: string;
  mode: Mode;
}

export interface FlowRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: Header[];
  /** Body bytes, base64. Empty string when there was no body. */
  bodyBase64: string;
  /** Size of the body in bytes as received (before any truncation). */
  bodySize: number;
  /** True when the body was cut at the capture's size bound. */
  bodyTruncated?: boolean;
}

export interface FlowResponse {
  status: number;
  headers: Header[];
  bodySize: number;
}

/** TLS outcome of the connection that carried the flow; `null` for plain HTTP. */
export interface FlowTls {
  sni?: string;
  /** True when the proxy terminated TLS itself (so the plaintext is visible). */
  intercepted: boolean;
}

export interface Flow extends Provenance {
  /** Unique within a run: `${target}/${scenario}#${seq}`. */
  id: string;
  /** Order number within the capture that saw it, from 0. */
  seq: number;
  /** ISO time the request started. */
  startedAt: string;
  /** Wall time from request start to response end, in ms, when known. */
  durationMs?: number;
  transport: 'http' | 'https' | 'ws' | 'wss';
  request: FlowRequest;
  response?: FlowResponse;
  tls: FlowTls | null;
}

export const modeSchema = z.enum(['normal', 'incognito']);
