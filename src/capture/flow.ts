import type { Flow, Header } from '../model/flow.ts';

/** Helpers over the Flow record (src/model/flow.ts): its body, host and headers. */

/** The request body as bytes. */
export function flowBody(flow: Flow): Buffer {
  return Buffer.from(flow.request.bodyBase64, 'base64');
}

/** The request's host name (no port), lower-cased. */
export function flowHost(flow: Flow): string {
  try {
    return new URL(flow.request.url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** The first value of a header, case-insensitively, or undefined. */
export function headerValue(headers: Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}
