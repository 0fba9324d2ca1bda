import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Network namespaces for sealed runs. Every namespace phonehome creates is named
 * `phonehome-<pid of its creator>-<n>`, so leftovers of a crashed run are recognised (creator gone)
 * and removed at the next start without touching another live run's.
 *
 * Inside: `lo`, and a veth pair whose both ends stay inside (`ph0` with a TEST-NET-1 / documentation
 * address and the default routes, `ph1` with no address and forwarding off). A packet routed out
 * reaches `ph1` and is dropped there: nothing can leave the namespace, yet every attempt crosses `ph0`
 * where tcpdump sees it. The namespace's resolver is 192.0.2.53 (documentation address, routed to
 * `ph0`) so DNS lookups are seen too.
 *
 * `ph1` lives in a second namespace, `<name>-dns`, which holds the resolver address and nothing else:
 * a lookup is answered at once with ICMP port unreachable (no server listens), as on a machine whose
 * resolver is down, instead of timing out (Firefox waited ~5 s for its lookups before it would quit).
 * That namespace has no other link and forwards nothing; every other packet dies there as before.
 */

export const NAMESPACE_PREFIX = 'phonehome-';
export const SEAL_INTERFACE = 'ph0';
export const SEAL_RESOLVER = '192.0.2.53';
/** Suffix of the namespace that holds the resolver address (see above). */
const RESOLVER_SUFFIX = '-dns';
const IP = '/usr/sbin/ip';

let counter = 0;

/** Why sealing cannot work on this machine, or undefined when it can. Cached after the first call. */
let support: string | undefined | null = null;
export function sealUnavailable(): string | undefined {
  if (support !== null) return support;
  support = probe();
  return support;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (!existsSync(IP)) return `${IP} is missing (Debian package iproute2)`;
  if (!tcpdumpPath()) return 'tcpdump is missing (Debian package tcpdump)';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (CAP_SYS_ADMIN)';
  const name = `${NAMESPACE_PREFIX}${process.pid}-probe`;
  try {
    ip(['netns', 'add', name]);
    ip(['-n', name, 'link', 'add', SEAL_INTERFACE, 'type', 'veth', 'peer', 'name', 'ph1']);
    return undefined;
  } catch (error) {
    return `network namespaces are not available here: ${(error as Error).message}`;
  } finally {
    try {
      ip(['netns', 'del', name]);
    } catch {
      // It was never created.
    }
  }
}

export function tcpdumpPath(): string | undefined {
  return ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p));
}

/** Runs `ip` and returns stdout; throws with ip's own one-line error. */
export function ip(args: string[]): string {
  try {
    return execFileSync(IP, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/**
 * Runs `ip -batch -` (one command a line), in namespace `ns` when given; throws with ip's error,
 * which names the line that failed. One process for many commands: each spawn from a test worker
 * (a large process) cost some 70 ms of CPU, and wiring a namespace took 22 of them.
 */
export function ipBatch(lines: string[], ns?: string): void {
  const args = [...(ns ? ['-n', ns] : []), '-batch', '-'];
  try {
    execFileSync(IP, args, { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr
      ?.toString()
      .trim()
      .replace(/\s*\n\s*/g, '; ');
    throw new Error(`ip ${args.join(' ')} (${lines.join('; ')}): ${stderr || (error as Error).message}`);
  }
}

/** A random locally administered unicast MAC address, as the kernel gives a new veth. */
export function randomMac(): string {
  const bytes = randomBytes(6);
  // Unicast (bit 0 clear) and locally administered (bit 1 set): never a vendor's address.
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Creates and wires a sealed namespace; returns its name. `mac` sets the hardware address of `ph0`
 * (the only link the browser sees besides `lo`); a random one otherwise, as the kernel would pick.
 * Throws if any step fails (and undoes it).
 */
export function createSealedNamespace(mac = randomMac()): string {
  counter += 1;
  const name = `${NAMESPACE_PREFIX}${process.pid}-${counter}`;
  // The far end, with the resolver address, in a namespace of its own (see above).
  const dns = `${name}${RESOLVER_SUFFIX}`;
  ip(['netns', 'add', name]);
  try {
    ip(['netns', 'add', dns]);
    ipBatch(
      [
        'link set lo up',
        `link add ${SEAL_INTERFACE} type veth peer name ph1`,
        // No ARP: packets to any address go straight onto ph0 (and are seen), not stuck in neighbour lookup.
        `link set ${SEAL_INTERFACE} arp off`,
        `link set ${SEAL_INTERFACE} address ${mac}`,
        // No IPv6 link-local addresses: they would turn valid a second after the links come up, and a
        // browser that sees addresses change aborts its requests (Chromium: net::ERR_NETWORK_CHANGED).
        `link set ${SEAL_INTERFACE} addrgenmode none`,
        'link set ph1 addrgenmode none',
        `addr add 192.0.2.1/24 dev ${SEAL_INTERFACE}`,
        `addr add 2001:db8::1/64 dev ${SEAL_INTERFACE} nodad`,
        `link set ph1 netns ${dns}`,
      ],
      name,
    );
    ipBatch(
      [
        'link set ph1 arp off',
        // Without ARP, frames are addressed to the sender's own MAC: ph1 takes it too, so it accepts them.
        `link set ph1 address ${mac}`,
        `addr add ${SEAL_RESOLVER}/24 dev ph1`,
        'link set ph1 up',
      ],
      dns,
    );
    // Every lookup gets its answer, not only the first few a second.
    ip(['netns', 'exec', dns, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
    ipBatch(
      [
        `link set ${SEAL_INTERFACE} up`,
        `route add default dev ${SEAL_INTERFACE}`,
        `route add ::/0 dev ${SEAL_INTERFACE}`,
      ],
      name,
    );
    // `ip netns exec` bind-mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf.
    const etc = join('/etc/netns', name);
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), `nameserver ${SEAL_RESOLVER}\n`);
  } catch (error) {
    deleteNamespace(name);
    throw error;
  }
  return name;
}

/** Kills every process still inside, deletes the namespace and its /etc/netns folder. Never throws. */
export function deleteNamespace(name: string): void {
  try {
    for (const pid of namespacePids(name)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  } catch {
    // The namespace may already be gone.
  }
  for (const ns of name.endsWith(RESOLVER_SUFFIX) ? [name] : [name, `${name}${RESOLVER_SUFFIX}`]) {
    try {
      ip(['netns', 'del', ns]);
    } catch {
      // Already gone.
    }
  }
  rmSync(join('/etc/netns', name), { recursive: true, force: true });
}

export function namespacePids(name: string): number[] {
  return ip(['netns', 'pids', name])
    .split('\n')
    .map((l) => Number.parseInt(l, 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** phonehome namespaces whose creating process is gone. */
export function leftoverNamespaces(): string[] {
  let list: string;
  try {
    list = ip(['netns', 'list']);
  } catch {
    return [];
  }
  return list
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NAMESPACE_PREFIX))
    .filter((name) => {
      const pid = Number.parseInt(name.slice(NAMESPACE_PREFIX.length), 10);
      return !Number.isInteger(pid) || !isAlive(pid);
    });
}

/** Removes leftover namespaces (see leftoverNamespaces); returns their names. Never throws. */
export function cleanLeftoverNamespaces(): string[] {
  const names = leftoverNamespaces();
  for (const name of names) deleteNamespace(name);
  return names;
}

/** True while the process runs (a zombie, killed but not yet reaped by its parent, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
