import type { TargetConfig } from '../drivers/driver.ts';
import { DEFAULT_TARGETS } from '../drivers/targets.ts';

/** One of the default matrix's targets (drivers/targets.ts), for the tests that launch it. */
export function defaultTarget(id: string): TargetConfig {
  const target = DEFAULT_TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`no default target ${id} (drivers/targets.ts)`);
  return target;
}
