import http from 'node:http';
import tls from 'node:tls';

export interface ProxiedResponse {
  status: number;
  body: string;
}

/**
 * A minimal HTTPS client that goes through an HTTP proxy with CONNECT, trusting only `ca` (or
 * pinning a different CA when given one that is not the proxy's: then the handshake fails).
 */
export async function httpsViaProxy(options: {
  proxyPort: number;
  host: string;
  path?: string;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  ca: string;
}): Promise<ProxiedResponse> {
  const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: options.proxyPort,
      method: 'CONNECT',
      path: `${options.host}:443`,
    });
    req.on('connect', (res, sock) =>
      res.statusCode === 200 ? resolve(sock) : reject(new Error(`CONNECT ${res.statusCode}`)),
    );
    req.on('error', reject);
    req.end();
  });
  const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(
      { socket, servername: options.host, ca: options.ca, ALPNProtocols: ['http/1.1'] },
      () => resolve(s),
    );
    s.on('error', reject);
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => secure,
        host: options.host,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: { host: options.host, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Plain HTTP through the proxy (absolute-form request line). */
export async function httpViaProxy(proxyPort: number, url: string, body?: string): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        method: body ? 'POST' : 'GET',
        path: url,
        headers: { host: new URL(url).host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
