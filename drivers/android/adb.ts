import { execFile } from 'node:child_process';
import { androidErrors } from './errors.ts';

/** One line of `adb devices`. */
export interface AdbDevice {
  serial: string;
  /** `device` when usable; `unauthorized`, `offline`, `recovery`, … otherwise. */
  state: string;
}

/** The adb binary phonehome runs: env PHONEHOME_ADB, else `adb` from PATH. */
export function adbBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.PHONEHOME_ADB?.trim() || 'adb';
}

/** Parse the output of `adb devices` (lines after the header: `serial<TAB>state`). */
export function parseDevices(output: string): AdbDevice[] {
  const devices: AdbDevice[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m =
      /^(\S+)\s+(device|unauthorized|offline|recovery|sideload|bootloader|no permissions.*|authorizing|connecting)\s*$/.exec(
        line.trim(),
      );
    if (m?.[1] && m[2]) devices.push({ serial: m[1], state: m[2] });
  }
  return devices;
}

/** Parse `adb shell getprop` output (`[key]: [value]` lines) into a map. */
export function parseGetprop(output: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const m of output.matchAll(/^\[([^\]]+)\]: \[(.*)\]\s*$/gm)) {
    if (m[1] !== undefined && m[2] !== undefined) props.set(m[1], m[2]);
  }
  return props;
}

/**
 * A thin adb client: every call is `adb [-s serial] ARGS` with a timeout. Side effects only; the
 * parsing lives in the pure functions above.
 */
export class Adb {
  readonly bin: string;
  private readonly timeoutMs: number;

  constructor(options: { bin?: string; timeoutMs?: number } = {}) {
    this.bin = options.bin ?? adbBinary();
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Run adb with arguments; resolves with stdout.
   * @throws AndroidError `adb-missing` when the binary cannot be run, `adb-failed` on a non-zero exit.
   */
  run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.bin,
        args,
        { timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT' || code === 'EACCES') reject(androidErrors.adbMissing(this.bin));
            else reject(androidErrors.adbFailed(args, `${stderr || stdout || error.message}`));
            return;
          }
          resolve(stdout);
        },
      );
    });
  }

  /** `adb -s SERIAL ARGS`. */
  on(serial: string, args: string[]): Promise<string> {
    return this.run(['-s', serial, ...args]);
  }

  /**
   * `adb -s SERIAL exec-out COMMAND`: the command's stdout as bytes, unaltered (a tar stream).
   * @throws AndroidError `adb-missing` or `adb-failed` as `run`.
   */
  execOut(serial: string, command: string, maxBytes = 256 * 1024 * 1024): Promise<Buffer> {
    const args = ['-s', serial, 'exec-out', command];
    return new Promise((resolve, reject) => {
      execFile(
        this.bin,
        args,
        { timeout: this.timeoutMs * 4, maxBuffer: maxBytes, encoding: 'buffer' },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT' || code === 'EACCES') reject(androidErrors.adbMissing(this.bin));
            else reject(androidErrors.adbFailed(args, `${stderr.toString() || error.message}`));
            return;
          }
          resolve(stdout);
        },
      );
    });
  }

  /** `adb -s SERIAL shell COMMAND`; the command runs in the device's sh. */
  shell(serial: string, command: string): Promise<string> {
    return this.on(serial, ['shell', command]);
  }

  async devices(): Promise<AdbDevice[]> {
    return parseDevices(await this.run(['devices']));
  }

  /**
   * Check the device is attached and authorised.
   * @throws AndroidError `no-device`, `unauthorized-device` or `offline-device` with the fix.
   */
  async requireDevice(serial: string): Promise<void> {
    const devices = await this.devices();
    const device = devices.find((d) => d.serial === serial);
    if (!device)
      throw androidErrors.noDevice(
        serial,
        devices.map((d) => d.serial),
      );
    if (device.state === 'unauthorized' || device.state === 'authorizing')
      throw androidErrors.unauthorized(serial);
    if (device.state !== 'device') throw androidErrors.offline(serial);
  }
}
