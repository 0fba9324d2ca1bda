import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Gap } from '../model/gap.ts';
import {
  createSealedNamespace,
  deleteNamespace,
  randomMac,
  SEAL_INTERFACE,
  sealUnavailable,
  tcpdumpPath,
} from './namespace.ts';
import { type BypassAttempt, bypassGaps, parsePcap } from './packets.ts';

export interface SealOptions {
  /** Folder kept with the capture: the packet capture `bypass.pcap` is written there as it arrives. */
  dir: string;
  /** Ports on the host's loopback reachable inside the namespace at the same number (the proxy). */
  inbound: number[];
  /** Ports inside the namespace made reachable on the host's loopback (e.g. DevTools). */
  outbound?: number[];
  /**
   * Run what is wrapped as on another machine: its own hostname (a UTS namespace), its own machine
   * id (a file bind-mounted over /etc/machine-id and /var/lib/dbus/machine-id in a mount namespace)
   * and its own MAC on the namespace's link. What a browser sends there too is the same on every
   * machine (a build constant); what it sends only here is derived from the machine.
   */
  otherMachine?: boolean;
}

/** The identity a seal's `otherMachine` gives what it runs. */
export interface MachineIdentity {
  hostname: string;
  machineId: string;
  mac: string;
}

/** A made-up machine: random machine id, a hostname with a random part, a locally administered MAC. */
export function otherMachineIdentity(): MachineIdentity {
  return {
    hostname: `ph-other-${randomBytes(3).toString('hex')}`,
    machineId: randomBytes(16).toString('hex'),
    mac: randomMac(),
  };
}

/** A sealed network namespace with its packet capture and loopback bridges. */
export interface Seal {
  /** Namespace name (`phonehome-<pid>-<n>`). */
  readonly name: string;
  /** Path of the packet capture. */
  readonly pcapPath: string;
  /** The identity wrapped commands see, when the seal was opened with `otherMachine`. */
  readonly machine?: MachineIdentity;
  /** The command line that runs `command` inside the namespace. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** Host loopback port that reaches `insidePort` in the namespace (one of `outbound`). */
  hostPort(insidePort: number): number;
  /** Attempts seen so far (reads the packet capture as written). */
  attempts(): BypassAttempt[];
  /**
   * Stops the packet capture, kills what is still inside, deletes the namespace and returns one
   * bypass gap per destination that was tried. Safe to call twice (the second call returns []).
   */
  close(): Promise<Gap[]>;
}

export class SealUnavailableError extends Error {}

const AGENT = join(import.meta.dirname, 'bridge-agent.mjs');

/**
 * Opens a sealed namespace: the only way out is through `inbound` ports to the host's loopback;
 * every other packet is recorded and dropped inside. Throws SealUnavailableError (with the reason
 * in one sentence) when this machine cannot seal, and Error when setting up fails.
 */
export async function openSeal(options: SealOptions): Promise<Seal> {
  const unavailable = sealUnavailable();
  if (unavailable) throw new SealUnavailableError(unavailable);
  mkdirSync(options.dir, { recursive: true });
  const machine = options.otherMachine ? otherMachineIdentity() : undefined;
  const name = createSealedNamespace(machine?.mac);
  // Unix socket paths are limited to ~108 bytes: keep them in a short temporary folder.
  const sockets = mkdtempSync('/tmp/phonehome-seal-');
  const machineIdFile = join(sockets, 'machine-id');
  if (machine) writeFileSync(machineIdFile, `${machine.machineId}\n`);
  const servers: net.Server[] = [];
  // Bridged connections, destroyed at cleanup: a half-closed one would keep server.close() waiting forever.
  const open = new Set<net.Socket>();
  const children: ChildProcess[] = [];
  const hostPorts = new Map<number, number>();
  const pcapPath = join(options.dir, 'bypass.pcap');
  let closed = false;

  const cleanup = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    for (const socket of open) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
    deleteNamespace(name);
    rmSync(sockets, { recursive: true, force: true });
  };

  try {
    const tcpdump = spawn(
      '/usr/sbin/ip',
      // -U: every packet is written as it is seen, so a crash keeps them; -Z root: write as root into
      // the run folder (tcpdump otherwise drops to its own user).
      [
        'netns',
        'exec',
        name,
        tcpdumpPath() ?? 'tcpdump',
        '-i',
        SEAL_INTERFACE,
        '-n',
        // Not promiscuous: the interface's flags stay as the browser first saw them; outgoing packets
        // are seen anyway.
        '-p',
        // Each packet is handed over as it arrives; otherwise the kernel passes them on in blocks
        // (up to ~1 s late), and what tried to leave in the last moment before close was lost.
        '--immediate-mode',
        '-U',
        '-s',
        '1500',
        '-Z',
        'root',
        '-w',
        pcapPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(tcpdump);
    await waitForLine(tcpdump, 'stderr', /listening on/, 'tcpdump');

    const forwards: { tcp: number; unix: string; dir: 'in' | 'out' }[] = [];
    for (const port of options.inbound) {
      const unix = join(sockets, `in-${port}.sock`);
      servers.push(
        await listen(
          net.createServer((c) => pipe(c, () => net.connect(port, '127.0.0.1'), open)),
          unix,
        ),
      );
      forwards.push({ tcp: port, unix, dir: 'in' });
    }
    for (const port of options.outbound ?? []) {
      forwards.push({ tcp: port, unix: join(sockets, `out-${port}.sock`), dir: 'out' });
    }
    const agent = spawn(
      '/usr/sbin/ip',
      ['netns', 'exec', name, process.execPath, AGENT, JSON.stringify(forwards)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    children.push(agent);
    await waitForLine(agent, 'stdout', /^ready$/m, 'the namespace bridge');
    for (const f of forwards.filter((f) => f.dir === 'out')) {
      const server = await listen(
        net.createServer((c) => pipe(c, () => net.connect(f.unix), open)),
        0,
      );
      servers.push(server);
      hostPorts.set(f.tcp, (server.address() as net.AddressInfo).port);
    }

    return {
      name,
      pcapPath,
      ...(machine ? { machine } : {}),
      wrap: (command, args) => ({
        command: '/usr/sbin/ip',
        args: [
          'netns',
          'exec',
          name,
          ...(machine ? asOtherMachine(machine, machineIdFile) : []),
          command,
          ...args,
        ],
      }),
      hostPort(insidePort) {
        const port = hostPorts.get(insidePort);
        if (port === undefined) throw new Error(`port ${insidePort} of ${name} was not opened outward`);
        return port;
      },
      attempts: () => readAttempts(pcapPath),
      async close() {
        if (closed) return [];
        closed = true;
        // SIGINT makes tcpdump flush and close the file properly.
        tcpdump.kill('SIGINT');
        await Promise.race([
          new Promise((r) => (tcpdump.exitCode !== null ? r(undefined) : tcpdump.once('exit', r))),
          sleep(3000),
        ]);
        let gaps: Gap[];
        try {
          gaps = bypassGaps(readAttempts(pcapPath));
        } catch (error) {
          // Fail closed: an unreadable capture means attempts around the proxy are unknown.
          gaps = [
            {
              kind: 'bypass',
              reason: `the packet capture of the sealed network could not be read (${(error as Error).message}), so attempts to go around the proxy are unknown`,
            },
          ];
        }
        await cleanup();
        return gaps;
      },
    };
  } catch (error) {
    closed = true;
    await cleanup();
    throw error;
  }
}

/**
 * The command prefix that runs the rest as on another machine: a UTS namespace with its own hostname
 * and a mount namespace (private, so nothing leaks back to the host's) in which the machine id file
 * is bind-mounted over both places programs read it from. `exec` keeps the browser's process id the
 * one the driver started, as without it.
 */
function asOtherMachine(machine: MachineIdentity, machineIdFile: string): string[] {
  const script = [
    'hostname "$1"',
    'mount --bind "$2" /etc/machine-id',
    'if [ -e /var/lib/dbus/machine-id ]; then mount --bind "$2" /var/lib/dbus/machine-id; fi',
    'shift 2',
    'exec "$@"',
  ].join(' && ');
  return [
    'unshare',
    '--uts',
    '--mount',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    script,
    'sh',
    machine.hostname,
    machineIdFile,
  ];
}

function readAttempts(path: string): BypassAttempt[] {
  return existsSync(path) ? parsePcap(readFileSync(path)) : [];
}

function pipe(client: net.Socket, connect: () => net.Socket, open: Set<net.Socket>): void {
  const upstream = connect();
  for (const socket of [client, upstream]) {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  }
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
}

function listen(server: net.Server, where: string | number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'number') server.listen(where, '127.0.0.1', () => resolve(server));
    else server.listen(where, () => resolve(server));
  });
}

function waitForLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within ${timeoutMs / 1000}s: ${seen.trim()}`)),
      timeoutMs,
    );
    child[stream]?.on('data', (chunk: Buffer) => {
      if (seen.length < 10_000) seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${what} exited (code ${code}) before it was ready: ${seen.trim().split('\n').pop()}`),
      );
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What a scenario gets: a seal, or the gap that says why it runs without one. */
export type SealOutcome = { seal: Seal; gap?: undefined } | { seal?: undefined; gap: Gap };

/**
 * Opens a seal for a driver that can run sealed, or explains in a `not-sealed` gap why the scenario
 * runs without one (driver cannot, machine cannot, PHONEHOME_SEAL=off). Never throws.
 */
export async function sealForDriver(
  driver: { id: string; sealing?: { outbound: number[] } },
  proxyPort: number,
  dir: string,
  options: { otherMachine?: boolean } = {},
): Promise<SealOutcome> {
  const notSealed = (why: string): SealOutcome => ({
    gap: {
      kind: 'not-sealed',
      reason: `the target ran without a sealed network because ${why}, so traffic that went around the proxy (DNS, QUIC, direct connections) could not be observed`,
    },
  });
  if (process.env.PHONEHOME_SEAL === 'off') return notSealed('sealing was turned off (PHONEHOME_SEAL=off)');
  if (!driver.sealing)
    return notSealed(`the ${driver.id} driver cannot run its target in a network namespace`);
  try {
    return {
      seal: await openSeal({
        dir,
        inbound: [proxyPort],
        outbound: driver.sealing.outbound,
        ...(options.otherMachine ? { otherMachine: true } : {}),
      }),
    };
  } catch (error) {
    return notSealed((error as Error).message);
  }
}
