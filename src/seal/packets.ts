import type { Gap } from '../model/gap.ts';

/**
 * Reading what tried to leave a sealed namespace: a pcap file (as tcpdump -w writes it) of the
 * namespace's only non-loopback interface, turned into bypass attempts and then gaps. Pure
 * functions: bytes in, data out.
 */

/** One attempt to reach something other than the capture proxy. */
export interface BypassAttempt {
  protocol: 'dns' | 'udp' | 'quic' | 'tcp';
  /** Destination address (IPv4 or IPv6 text), or the queried name for DNS. */
  destination: string;
  /** Destination port. */
  port: number;
  /** For DNS: the resolver address the query was sent to. */
  via?: string;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;

/**
 * Parses a pcap file into bypass attempts, in capture order (one per packet that is a DNS query, a
 * UDP datagram or a TCP SYN; link housekeeping such as ARP, ICMPv6 and IPv6 link-local traffic is
 * not an attempt). A file cut short (tcpdump killed mid-write) yields every complete packet before
 * the cut. Throws only when the file is not a pcap file at all.
 */
export function parsePcap(file: Buffer): BypassAttempt[] {
  if (file.length === 0) return [];
  if (file.length < 24) throw new Error(`not a pcap file: ${file.length} bytes, shorter than its header`);
  const magic = file.readUInt32LE(0);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = false;
  else throw new Error(`not a pcap file: magic number 0x${magic.toString(16)}`);
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linktype = u32(20) & 0xffff;
  const attempts: BypassAttempt[] = [];
  let at = 24;
  while (at + 16 <= file.length) {
    const captured = u32(at + 8);
    const start = at + 16;
    if (start + captured > file.length) break;
    const frame = file.subarray(start, start + captured);
    const attempt = attemptOfFrame(frame, linktype);
    if (attempt) attempts.push(attempt);
    at = start + captured;
  }
  return attempts;
}

function attemptOfFrame(frame: Buffer, linktype: number): BypassAttempt | undefined {
  let ip: Buffer;
  if (linktype === LINKTYPE_ETHERNET) {
    if (frame.length < 14) return undefined;
    const ethertype = frame.readUInt16BE(12);
    if (ethertype !== 0x0800 && ethertype !== 0x86dd) return undefined;
    ip = frame.subarray(14);
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16) return undefined;
    ip = frame.subarray(16);
  } else if (linktype === LINKTYPE_RAW || linktype === 12 || linktype === 14) {
    ip = frame;
  } else {
    return undefined;
  }
  return attemptOfIp(ip);
}

/** The attempt one IP packet represents, if any. Exported for tests. */
export function attemptOfIp(ip: Buffer): BypassAttempt | undefined {
  if (ip.length < 1) return undefined;
  const version = ip.readUInt8(0) >> 4;
  let proto: number;
  let payload: Buffer;
  let destination: string;
  if (version === 4) {
    if (ip.length < 20) return undefined;
    const headerLength = (ip.readUInt8(0) & 0x0f) * 4;
    proto = ip.readUInt8(9);
    destination = [...ip.subarray(16, 20)].join('.');
    payload = ip.subarray(headerLength);
  } else if (version === 6) {
    if (ip.length < 40) return undefined;
    proto = ip.readUInt8(6);
    destination = ipv6Text(ip.subarray(24, 40));
    // Link-local and multicast housekeeping (neighbour discovery, MLD) is the kernel, not the target.
    if (proto === 58 || proto === 0) return undefined;
    payload = ip.subarray(40);
  } else {
    return undefined;
  }
  if (proto === 17 && payload.length >= 8) {
    const port = payload.readUInt16BE(2);
    if (port === 53) {
      const name = dnsQuestion(payload.subarray(8));
      return name
        ? { protocol: 'dns', destination: name, port, via: destination }
        : { protocol: 'dns', destination, port };
    }
    return { protocol: port === 443 ? 'quic' : 'udp', destination, port };
  }
  if (proto === 6 && payload.length >= 14) {
    const flags = payload.readUInt8(13);
    const syn = (flags & 0x02) !== 0;
    const ack = (flags & 0x10) !== 0;
    // Only the opening SYN is an attempt; retransmissions are collapsed later by destination.
    if (syn && !ack) return { protocol: 'tcp', destination, port: payload.readUInt16BE(2) };
  }
  return undefined;
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups, as the usual text form does.
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > bestLength && j - i > 1) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** The first question's name of a DNS message, or undefined when it cannot be read. */
function dnsQuestion(message: Buffer): string | undefined {
  if (message.length < 13) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < message.length) {
    const length = message.readUInt8(at);
    if (length === 0) return labels.length > 0 ? labels.join('.') : '.';
    // A question name is never compressed; anything else is not a query we can read.
    if (length > 63 || at + 1 + length > message.length) return undefined;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return undefined;
}

/**
 * One bypass gap per distinct protocol × destination × port, saying how many packets tried it.
 * Ordered as first seen.
 */
export function bypassGaps(attempts: BypassAttempt[]): Gap[] {
  const seen = new Map<string, { attempt: BypassAttempt; count: number }>();
  for (const attempt of attempts) {
    const key = `${attempt.protocol} ${attempt.destination} ${attempt.port}`;
    const known = seen.get(key);
    if (known) known.count += 1;
    else seen.set(key, { attempt, count: 1 });
  }
  return [...seen.values()].map(({ attempt, count }) => {
    const packets = `${count} packet${count === 1 ? '' : 's'}`;
    // A DNS query whose name was decoded was read in full: the name is all it carries, and with no
    // answer in the sealed namespace no connection can follow it.
    const observed = attempt.protocol === 'dns' && attempt.via !== undefined;
    return {
      kind: 'bypass' as const,
      host: attempt.destination,
      protocol: attempt.protocol,
      ...(observed ? { observed: true } : {}),
      reason: observed
        ? `${attemptText(attempt)} instead of asking the capture proxy (${packets}); the query was read in full and carried only that name`
        : `${attemptText(attempt)} instead of going through the capture proxy (${packets}), so whatever it carried was not seen`,
    };
  });
}

function attemptText(a: BypassAttempt): string {
  switch (a.protocol) {
    case 'dns':
      return `the target looked up ${a.destination} over DNS${a.via ? ` (to ${a.via}:${a.port})` : ''}`;
    case 'quic':
      return `the target sent UDP to ${a.destination}:${a.port} (QUIC)`;
    case 'udp':
      return `the target sent UDP to ${a.destination}:${a.port}`;
    case 'tcp':
      return `the target opened a direct TCP connection to ${a.destination}:${a.port}`;
  }
}
