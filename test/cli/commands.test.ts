/** The command table main.ts registers: one full module (the command asked for), the rest by name. */
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../src/cli/commands.js';

describe('command table', () => {
  it('names each command once, and every module loads with a builder and a handler', async () => {
    expect(new Set(COMMANDS.map((entry) => entry.name)).size).toBe(COMMANDS.length);
    for (const entry of COMMANDS) {
      expect(entry.command.split(' ')[0]).toBe(entry.name);
      const body = (await entry.load()) as { builder: unknown; handler: unknown };
      expect(typeof body.builder, entry.name).toBe('function');
      expect(typeof body.handler, entry.name).toBe('function');
    }
  });

  it('registers the command asked for in full and the others by name and description only', async () => {
    const modules = await commandsFor('sweep');
    expect(modules.map((module) => module.command)).toEqual(COMMANDS.map((entry) => entry.command));
    for (const module of modules) {
      if (module.command === 'sweep <url>') expect(module.builder).toBeTypeOf('function');
      else expect(module.builder).toBeUndefined();
    }
  });

  it('with no command or an unknown one, no module is loaded in full', async () => {
    for (const first of [undefined, '--help', 'bogus']) {
      expect((await commandsFor(first)).every((module) => module.builder === undefined)).toBe(true);
    }
  });
});
