import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS } from '../../drivers/targets.ts';
import { preflightItems, scenariosOf } from '../../src/harness/plan.ts';

const target = (id: string) => {
  const found = DEFAULT_TARGETS.find((t) => t.id === id);
  if (!found) throw new Error(`no default target ${id}`);
  return found;
};

describe('scenariosOf', () => {
  it('should give the paste scenario to the drivers that can paste into their address bar', async () => {
    expect(await scenariosOf(target('chromium'), ['paste', 'idle'])).toEqual(['paste', 'idle']);
    expect(await scenariosOf(target('firefox-esr'), ['paste', 'idle'])).toEqual(['paste', 'idle']);
  });

  it('should leave the paste scenario out where the driver cannot paste', async () => {
    for (const id of ['gnome-web', 'falkon', 'qutebrowser', 'webkitgtk']) {
      expect(await scenariosOf(target(id), ['paste', 'idle']), id).toEqual(['idle']);
    }
  });
});

describe('preflightItems', () => {
  it('should ask for a window where a scenario pastes, and only there', async () => {
    const items = await preflightItems([target('chromium')], ['paste']);
    expect(items.map((i) => i.headed)).toEqual([true]);
    const idle = await preflightItems([target('chromium')], ['idle']);
    expect(idle.map((i) => i.headed)).toEqual([false]);
  });
});
