// How advice names the tool when npm started it: npx from the registry (its copy in npm's cache)
// is `npx openai-setup`; a project's own install run by npx or npm there, or a clone npx linked
// into its cache, is named by its script's path, which works from any folder (`npx openai-setup`
// elsewhere would fetch the name from the registry).
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { createTerminal } from '../../src/terminal/output.js';
import { adviceFor, selfCommand, type SelfCommand } from '../../src/terminal/invocation.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A folder with an executable `openai-setup` in it (as npm links a package's bin). */
function binFolder(...parts: string[]): string {
  root ??= mkdtempSync(join(tmpdir(), 'openai-setup-invocation-'));
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openai-setup'), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

describe('selfCommand when npm started the tool', () => {
  it('npx from the registry: `npx openai-setup`, with the note on installing it', () => {
    const bin = binFolder('.npm', '_npx', 'f00d', 'node_modules', '.bin');
    const self = selfCommand({ PATH: `${bin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup'));
    expect(self.command).toBe('npx openai-setup');
    expect(self.note).toMatch(/npm install -g openai-setup/);
  });

  it.each(['exec', 'run-script'])('a project\'s own install (npm_command=%s): its script by path, with a note naming the project', (npmCommand) => {
    const bin = binFolder('my app', 'node_modules', '.bin');
    const script = join(bin, 'openai-setup');
    const self = selfCommand({ PATH: `${bin}:/usr/bin`, npm_command: npmCommand }, 'linux', script);
    expect(self.command).toBe(`'${script}'`);
    expect(self.note).toContain(`installed in ${join(root!, 'my app')}`);
  });

  it('a project\'s install with the tool also on the person\'s PATH (a global install): the bare name', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    const global = binFolder('usr', 'local', 'bin');
    expect(selfCommand({ PATH: `${bin}:${global}`, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup')).command).toBe('openai-setup');
  });

  it('a node_modules/.bin the person put on their own PATH (not npm): the bare name', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    expect(selfCommand({ PATH: bin }, 'linux', join(bin, 'openai-setup'))).toEqual({ command: 'openai-setup', note: null });
  });

  it('npx of a local folder (a clone, linked into npx\'s cache): the clone\'s script by its real path', () => {
    const clone = join(binFolder('clone', 'bin'), 'openai-setup');
    const cache = join(root!, '.npm', '_npx', 'c10e', 'node_modules');
    mkdirSync(join(cache, '.bin'), { recursive: true });
    symlinkSync(join(root!, 'clone'), join(cache, 'openai-setup'));
    symlinkSync('../openai-setup/bin/openai-setup', join(cache, '.bin', 'openai-setup'));
    const self = selfCommand({ PATH: `${join(cache, '.bin')}:/usr/bin`, npm_command: 'exec' }, 'linux', join(cache, '.bin', 'openai-setup'));
    expect(self).toEqual({ command: realpathSync(clone), note: null });
  });

  it('npx with no script path known: `npx openai-setup` as before', () => {
    expect(selfCommand({ PATH: '', npm_command: 'exec' }, 'linux', undefined).command).toBe('npx openai-setup');
  });
});

describe('the note on installing, as the terminal prints it', () => {
  /** The note as import prints it (term.say), advice rewritten as main.ts makes the terminal for this run. */
  function printed(self: SelfCommand): string {
    let out = '';
    const stream = { isTTY: true, columns: 400, write: (chunk: string) => ((out += chunk), true) };
    const advice = adviceFor(self.command, COMMANDS.map((c) => c.name));
    createTerminal({ stdout: stream, stderr: stream, stdin: { isTTY: true }, env: { NO_COLOR: '1' }, advice, commandName: self.command }).say(`! ${self.note!}`);
    return out;
  }

  it('under npx and from a project\'s install, the install command is `npm install -g openai-setup` as it is', () => {
    const npxBin = binFolder('.npm', '_npx', 'f00d', 'node_modules', '.bin');
    const npx = selfCommand({ PATH: `${npxBin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(npxBin, 'openai-setup'));
    const localBin = binFolder('proj', 'node_modules', '.bin');
    const local = selfCommand({ PATH: `${localBin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(localBin, 'openai-setup'));
    expect(local.command).toBe(join(localBin, 'openai-setup'));
    for (const self of [npx, local]) {
      const text = printed(self);
      expect(text).toContain('`npm install -g openai-setup`');
      expect(text).not.toContain(`-g ${self.command}`);
    }
  });
});
