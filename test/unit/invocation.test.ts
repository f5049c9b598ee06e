// How advice names the tool when npm started it, so that the command runs this same copy: npx's
// copy is asked for again as npx was asked for it (`npx --yes openai-setup` for the registry's latest,
// pinned, or a tarball's or repository's --package), read from the package.json npx keeps beside
// it; a project's own install run by npx or npm there, or a clone npx linked into its cache, is
// named by its script's path, which works from any folder (`npx openai-setup` elsewhere would
// fetch the name from the registry). The bare name only when the `openai-setup` PATH finds first
// is this copy: not another program of the name, not another install. npx's command says --yes: npx
// would otherwise ask whether to install the package, on stdout, where `$(…)` captures the question.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { COMMANDS } from '../../src/commands/index.js';
import { createTerminal } from '../../src/terminal/output.js';
import { adviceFor, selfCommand, tokenCommand, type SelfCommand } from '../../src/terminal/invocation.js';
import { npxAskedFor } from '../../src/terminal/npx-spec.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** The test's temp folder, made when first asked for. */
function tempRoot(): string {
  return (root ??= mkdtempSync(join(tmpdir(), 'openai-setup-invocation-')));
}

/** A folder with an executable `openai-setup` in it (as npm links a package's bin). */
function binFolder(...parts: string[]): string {
  const dir = join(tempRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openai-setup'), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

describe('selfCommand when npm started the tool', () => {
  it('npx from the registry: `npx --yes openai-setup`, with the note on installing it', () => {
    const bin = binFolder('.npm', '_npx', 'f00d', 'node_modules', '.bin');
    writeFileSync(join(bin, '..', '..', 'package.json'), JSON.stringify({ dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: ['openai-setup'] } }));
    const self = selfCommand({ PATH: `${bin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup'), npxAskedFor);
    expect(self.command).toBe('npx --yes openai-setup');
    expect(self.note).toMatch(/npm install -g openai-setup/);
  });

  it.each(['exec', 'run-script'])('a project\'s own install (npm_command=%s): its script by path, with a note naming the project', (npmCommand) => {
    const bin = binFolder('my app', 'node_modules', '.bin');
    const script = join(bin, 'openai-setup');
    const self = selfCommand({ PATH: `${bin}:/usr/bin`, npm_command: npmCommand }, 'linux', script);
    expect(self.command).toBe(`'${script}'`);
    expect(self.note).toContain(`installed in ${join(root!, 'my app')}`);
  });

  it('a project\'s install that the person\'s PATH also leads to (a link to its script): the bare name', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    const global = join(root!, 'usr', 'local', 'bin');
    mkdirSync(global, { recursive: true });
    symlinkSync(join(bin, 'openai-setup'), join(global, 'openai-setup'));
    expect(selfCommand({ PATH: `${bin}:${global}`, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup')).command).toBe('openai-setup');
  });

  it('a node_modules/.bin the person put on their own PATH (not npm): the bare name', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    expect(selfCommand({ PATH: bin }, 'linux', join(bin, 'openai-setup'))).toMatchObject({ command: 'openai-setup', note: null, npx: false });
  });

  it('npx of a local folder (a clone, linked into npx\'s cache): the clone\'s script by its real path', () => {
    const clone = join(binFolder('clone', 'bin'), 'openai-setup');
    const cache = join(root!, '.npm', '_npx', 'c10e', 'node_modules');
    mkdirSync(join(cache, '.bin'), { recursive: true });
    symlinkSync(join(root!, 'clone'), join(cache, 'openai-setup'));
    symlinkSync('../openai-setup/bin/openai-setup', join(cache, '.bin', 'openai-setup'));
    const self = selfCommand({ PATH: `${join(cache, '.bin')}:/usr/bin`, npm_command: 'exec' }, 'linux', join(cache, '.bin', 'openai-setup'));
    expect(self).toMatchObject({ command: realpathSync(clone), note: null, npx: false });
  });

  it('npx with no script path known: `npx --yes openai-setup` as before', () => {
    expect(selfCommand({ PATH: '', npm_command: 'exec' }, 'linux', undefined).command).toBe('npx --yes openai-setup');
  });
});

/**
 * npx's copy as npm installs it: `<cache>/_npx/<hash>/node_modules/openai-setup/bin/openai-setup.cjs`,
 * linked from its .bin, beside npx's package.json (`json`: its text, or what JSON makes it; none when undefined).
 */
function npxCopy(json: unknown): { dir: string; bin: string; script: string } {
  const dir = join(tempRoot(), '.npm', '_npx', 'f00d');
  const script = join(dir, 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
  mkdirSync(dirname(script), { recursive: true });
  writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
  mkdirSync(join(dir, 'node_modules', '.bin'));
  symlinkSync('../openai-setup/bin/openai-setup.cjs', join(dir, 'node_modules', '.bin', 'openai-setup'));
  if (json !== undefined) writeFileSync(join(dir, 'package.json'), typeof json === 'string' ? json : JSON.stringify(json));
  return { dir, bin: join(dir, 'node_modules', '.bin'), script: realpathSync(script) };
}

/** selfCommand as main.ts asks it, for a run npx started from `copy`. */
function underNpx(copy: { bin: string }): SelfCommand {
  return selfCommand({ PATH: `${copy.bin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(copy.bin, 'openai-setup'), npxAskedFor);
}

/** A line of advice as the terminal of a run started as `self` prints it. */
const typed = (self: SelfCommand, text: string) => adviceFor(self.command, COMMANDS.map((c) => c.name))(text);

describe('under npx: the command that has npx run this same copy again', () => {
  it.each([
    ['openai-setup', 'npx --yes openai-setup', 'npm install -g openai-setup'],
    ['openai-setup@latest', 'npx --yes openai-setup', 'npm install -g openai-setup'],
    ['openai-setup@*', 'npx --yes openai-setup', 'npm install -g openai-setup'],
    ['openai-setup@0.1.0', 'npx --yes openai-setup@0.1.0', 'npm install -g openai-setup@0.1.0'],
    ['openai-setup@^0.1.0', "npx --yes 'openai-setup@^0.1.0'", "npm install -g 'openai-setup@^0.1.0'"],
    ['openai-setup@>=0.1 <0.3', "npx --yes 'openai-setup@>=0.1 <0.3'", "npm install -g 'openai-setup@>=0.1 <0.3'"],
    ['openai-setup@next', 'npx --yes openai-setup@next', 'npm install -g openai-setup@next'],
  ])('from the registry, asked for as %s: %s', (asked, command, install) => {
    // npm saves `^` and the version whatever was asked for; what was typed is kept in _npx.packages.
    const self = underNpx(npxCopy({ dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: [asked] } }));
    expect(self).toEqual({ command, posixCommand: command, install, npx: true, note: `npx looks the package up each time this runs; \`${install}\` makes it instant (then the line can say just openai-setup).` });
  });

  it('from the registry by an npm that keeps no typed spec (before npm 9): pinned to the version running, which is this copy', () => {
    const self = underNpx(npxCopy({ dependencies: { 'openai-setup': '^0.1.0' } }));
    expect(self.command).toBe(`npx --yes openai-setup@${packageJson.version}`);
  });

  it('a tarball, saved relative to npx\'s folder: `npx --yes --package=` its absolute path, quoted; advice and the token line start so, once', () => {
    const tarball = join(tempRoot(), 'my dir', 'openai-setup-0.1.0.tgz');
    mkdirSync(dirname(tarball));
    writeFileSync(tarball, '');
    const self = underNpx(npxCopy({ dependencies: { 'openai-setup': 'file:../../../my dir/openai-setup-0.1.0.tgz' }, _npx: { packages: [tarball] } }));
    const command = `npx --yes '--package=${tarball}' openai-setup`;
    expect(self).toMatchObject({ command, npx: true, install: `npm install -g '${tarball}'` });
    expect(typed(self, 'Run `openai-setup status` to continue.')).toBe(`Run \`${command} status\` to continue.`);
    const token = tokenCommand(self, 'default', 'default');
    expect(typed(self, `OPENAI_API_KEY="$(${token})"; export OPENAI_API_KEY`)).toBe(`OPENAI_API_KEY="$(${command} token)"; export OPENAI_API_KEY`);
  });

  it('a tarball in a folder named with letters beyond ASCII (~/Téléchargements): `npx --yes --package=` its path, quoted', () => {
    const tarball = join(tempRoot(), 'Téléchargements', 'openai-setup-0.1.0.tgz');
    mkdirSync(dirname(tarball));
    writeFileSync(tarball, '');
    const self = underNpx(npxCopy({ dependencies: { 'openai-setup': 'file:../../../Téléchargements/openai-setup-0.1.0.tgz' }, _npx: { packages: [tarball] } }));
    expect(self).toMatchObject({ command: `npx --yes '--package=${tarball}' openai-setup`, npx: true, install: `npm install -g '${tarball}'` });
  });

  it('a tarball saved by its absolute path, a git repository, a tarball\'s URL: `npx --yes --package=` that spec', () => {
    const tarball = join(tempRoot(), 'openai-setup-0.1.0.tgz');
    writeFileSync(tarball, '');
    expect(underNpx(npxCopy({ dependencies: { 'openai-setup': `file:${tarball}` } })).command).toBe(`npx --yes --package=${tarball} openai-setup`);
    for (const spec of ['git+https://github.com/me/openai-setup.git#v0.1.0', 'github:me/openai-setup', 'https://example.com/openai-setup-0.1.0.tgz']) {
      rmSync(join(tempRoot(), '.npm'), { recursive: true, force: true });
      const self = underNpx(npxCopy({ dependencies: { 'openai-setup': spec } }));
      expect(self.command).toMatch(/^npx --yes '?--package=/);
      expect(self.command.replace(/'/g, '')).toBe(`npx --yes --package=${spec} openai-setup`);
    }
  });

  it.each<[string, unknown]>([
    ['no package.json', undefined],
    ['not JSON', '{"dependencies":'],
    ['another shape', { dependencies: ['openai-setup'] }],
    ['no openai-setup in it', { dependencies: { other: '^1.0.0' }, _npx: { packages: ['other'] } }],
    ['a spec with a line break', { dependencies: { 'openai-setup': 'git+https://example.com/x.git\nrm -rf ~' } }],
    ['a spec with a bidi override', { dependencies: { 'openai-setup': 'https://example.com/\u202egzt.x' } }],
    ['a tarball no longer there', { dependencies: { 'openai-setup': 'file:../../../gone/openai-setup-0.1.0.tgz' } }],
    ['an alias', { dependencies: { 'openai-setup': 'npm:other-tool@^1.0.0' } }],
    ['a typed version that is no version', { dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: ['openai-setup@$(reboot)'] } }],
    ['larger than npm writes one', `{"dependencies":{"openai-setup":"^0.1.0"},"x":"${'x'.repeat(70_000)}"}`],
  ])('what npx was asked for cannot be told (%s): the script by its real path, with a note on npm\'s cache; still npx\'s copy', (_, json) => {
    const copy = npxCopy(json);
    const self = underNpx(copy);
    // npx: true all the same: import --rewrite refuses to write npm's cache into a startup file.
    expect(self).toMatchObject({ command: copy.script, npx: true, install: 'npm install -g openai-setup' });
    expect(self.note).toContain(`That is the copy npx keeps in npm's cache (${copy.dir})`);
  });

  it('asked without reading npx\'s package.json (boot.ts, which only tells the bare name from the rest): not the bare name', () => {
    const copy = npxCopy({ dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: ['openai-setup'] } });
    expect(selfCommand({ PATH: `${copy.bin}:/usr/bin`, npm_command: 'exec' }, 'linux', join(copy.bin, 'openai-setup')).command).toBe(copy.script);
  });
});

describe('the bare name only when the openai-setup PATH finds first is this copy', () => {
  /** A program named openai-setup of another kind (`other`), in a folder of its own. */
  function otherProgram(...parts: string[]): string {
    return binFolder(...parts);
  }

  /** An install of the package: its script, linked from a bin folder as npm links a global install's. */
  function installed(...parts: string[]): { bin: string; script: string } {
    const prefix = join(tempRoot(), ...parts);
    const script = join(prefix, 'lib', 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    mkdirSync(join(prefix, 'bin'));
    symlinkSync(script, join(prefix, 'bin', 'openai-setup'));
    return { bin: join(prefix, 'bin'), script };
  }

  it('a project\'s install run by npx, another program named openai-setup on PATH: the script by its path, not the bare name', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    const other = otherProgram('usr', 'local', 'bin');
    const self = selfCommand({ PATH: `${bin}:${other}:/usr/bin`, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup'));
    expect(self.command).toBe(join(bin, 'openai-setup'));
    expect(self.note).toContain(`installed in ${join(root!, 'app')}`);
  });

  it('a project\'s install run by npx, an older global install on PATH: the script by its path', () => {
    const bin = binFolder('app', 'node_modules', '.bin');
    const older = installed('usr', 'local');
    expect(selfCommand({ PATH: `${bin}:${older.bin}`, npm_command: 'run-script' }, 'linux', join(bin, 'openai-setup')).command).toBe(join(bin, 'openai-setup'));
  });

  it('a global install started by name: the bare name; another program of the name before it on PATH: its path', () => {
    const global = installed('usr', 'local');
    const started = join(global.bin, 'openai-setup');
    expect(selfCommand({ PATH: `${global.bin}:/usr/bin` }, 'linux', started).command).toBe('openai-setup');
    const other = otherProgram('home', 'me', 'bin');
    expect(selfCommand({ PATH: `${other}:${global.bin}` }, 'linux', started).command).toBe(started);
  });

  it('a shim that starts this script (pnpm\'s, npm\'s on Windows) is this copy; one that starts another is not', () => {
    const global = installed('pnpm');
    const shims = join(root!, 'shims');
    mkdirSync(shims);
    const shim = (target: string) => `#!/bin/sh\nbasedir=$(dirname "$(echo "$0" | sed -e 's,\\\\,/,g')")\nexec node  "$basedir/${target}" "$@"\n`;
    writeFileSync(join(shims, 'openai-setup'), shim('../pnpm/lib/node_modules/openai-setup/bin/openai-setup.cjs'), { mode: 0o755 });
    expect(selfCommand({ PATH: shims }, 'linux', global.script).command).toBe('openai-setup');
    writeFileSync(join(shims, 'openai-setup'), shim('../elsewhere/openai-setup/bin/openai-setup.cjs'), { mode: 0o755 });
    expect(selfCommand({ PATH: shims }, 'linux', global.script).command).toBe(global.script);

    // npm's global install on Windows: openai-setup.cmd beside node_modules, in the prefix.
    const prefix = join(root!, 'AppData', 'Roaming', 'npm');
    const script = join(prefix, 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '');
    const cmd = (target: string) => `@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\nendLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\${target}" %*\r\n`;
    writeFileSync(join(prefix, 'openai-setup.cmd'), cmd('node_modules\\openai-setup\\bin\\openai-setup.cjs'), { mode: 0o755 });
    expect(selfCommand({ Path: prefix }, 'win32', script).command).toBe('openai-setup');
    writeFileSync(join(prefix, 'openai-setup.cmd'), cmd('node_modules\\other\\bin\\openai-setup.cjs'), { mode: 0o755 });
    expect(selfCommand({ Path: prefix }, 'win32', script).command).toBe(`node ${script}`);
  });
});

describe('a Node version manager\'s shim first on PATH (asdf, nodenv, Volta, mise): this copy when it is a global install in that manager\'s tree', () => {
  /** A global install of the package under `prefix` (a version manager's Node): its script. */
  function globalScript(...prefix: string[]): string {
    const script = join(tempRoot(), ...prefix, 'lib', 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    mkdirSync(join(tempRoot(), ...prefix, 'bin'), { recursive: true });
    symlinkSync(script, join(tempRoot(), ...prefix, 'bin', 'openai-setup'));
    return script;
  }

  /** A shim script `text` at `<root>/<dir>/openai-setup`: its folder. */
  function shimScript(dir: string, text: string): string {
    const folder = join(tempRoot(), ...dir.split('/'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'openai-setup'), text, { mode: 0o755 });
    return folder;
  }

  /** `openai-setup` in `dir`, a link to an executable `binary` elsewhere (Volta's volta-shim, mise's own binary): its folder. */
  function shimLink(dir: string, binary: string): string {
    const tool = join(tempRoot(), 'tool', binary);
    mkdirSync(dirname(tool), { recursive: true });
    writeFileSync(tool, '\x7fELF', { mode: 0o755 });
    const folder = join(tempRoot(), ...dir.split('/'));
    mkdirSync(folder, { recursive: true });
    symlinkSync(tool, join(folder, 'openai-setup'));
    return folder;
  }

  const ASDF = `#!/usr/bin/env bash\n# asdf-plugin: nodejs 20.11.0\nexec asdf exec "openai-setup" "$@" # asdf_allow: ' asdf '\n`;
  const NODENV = '#!/usr/bin/env bash\nset -e\n[ -n "$NODENV_DEBUG" ] && set -x\n\nprogram="${0##*/}"\n\nexport NODENV_ROOT="/home/me/.nodenv"\nexec "/usr/local/libexec/nodenv" exec "$program" "$@"\n';

  it.each<[string, () => string, string[]]>([
    ['asdf', () => shimScript('.asdf/shims', ASDF), ['.asdf', 'installs', 'nodejs', '20.11.0']],
    ['nodenv', () => shimScript('.nodenv/shims', NODENV), ['.nodenv', 'versions', '20.11.0']],
    ['Volta', () => shimLink('.volta/bin', 'volta-shim'), ['.volta', 'tools', 'image', 'packages', 'openai-setup']],
    ['mise', () => shimLink('.local/share/mise/shims', 'mise'), ['.local', 'share', 'mise', 'installs', 'node', '20.11.0']],
    ['rtx', () => shimLink('.local/share/rtx/shims', 'rtx'), ['.local', 'share', 'rtx', 'installs', 'node', '20.11.0']],
  ])('%s: the bare name, in advice and in the token line', (_, shim, prefix) => {
    const script = globalScript(...prefix);
    const self = selfCommand({ PATH: `${shim()}:/usr/bin` }, 'linux', script);
    expect(self).toMatchObject({ command: 'openai-setup', note: null, npx: false });
    expect(tokenCommand(self, 'imp', 'default')).toBe('openai-setup token --profile imp');
  });

  it.each<[string, () => string, string[]]>([
    ['asdf', () => shimScript('.asdf/shims', ASDF), ['.asdf', 'installs', 'nodejs', '20.11.0']],
    ['nodenv', () => shimScript('.nodenv/shims', NODENV), ['.nodenv', 'versions', '20.11.0']],
    ['Volta', () => shimLink('.volta/bin', 'volta-shim'), ['.volta', 'tools', 'image', 'packages', 'openai-setup']],
    ['mise', () => shimLink('.local/share/mise/shims', 'mise'), ['.local', 'share', 'mise', 'installs', 'node', '20.11.0']],
  ])('%s\'s shim first on PATH, this copy a global install of the system\'s Node: the shim runs another copy, so the script by its path', (_, shim, managed) => {
    // The shim's manager has a copy of its own (another version, perhaps): that is what it runs.
    globalScript(...managed);
    const script = globalScript('sys');
    const self = selfCommand({ PATH: `${shim()}:${join(root!, 'sys', 'bin')}:/usr/bin` }, 'linux', script);
    expect(self.command).toBe(script);
    expect(tokenCommand(self, 'default', 'default')).toBe(`${script} token`);
  });

  it('a global install of another manager\'s Node (nodenv\'s, asdf\'s shim first): the script by its path', () => {
    const script = globalScript('.nodenv', 'versions', '20.11.0');
    expect(selfCommand({ PATH: shimScript('.asdf/shims', ASDF) }, 'linux', script).command).toBe(script);
  });

  it('the manager\'s folder reached through a link (~/.asdf a link to /opt/asdf): the same tree, the bare name', () => {
    const script = globalScript('opt', 'asdf', 'installs', 'nodejs', '20.11.0');
    shimScript('opt/asdf/shims', ASDF);
    symlinkSync(join(root!, 'opt', 'asdf'), join(root!, 'home-asdf'));
    expect(selfCommand({ PATH: join(root!, 'home-asdf', 'shims') }, 'linux', script).command).toBe('openai-setup');
  });

  it('a plain script that execs this copy (quoted or not, through node or not) is this copy; one that execs another install is not', () => {
    const script = globalScript('x', 'g');
    const bin = join(root!, 'x', 'g', 'bin', 'openai-setup');
    for (const line of [`exec ${bin} "$@"`, `exec "${bin}" "$@"`, `  exec node '${script}' "$@"`]) {
      rmSync(join(root!, 'asdf'), { recursive: true, force: true });
      expect(selfCommand({ PATH: shimScript('asdf/shims', `#!/bin/sh\n${line}\n`) }, 'linux', script).command).toBe('openai-setup');
    }
    globalScript('y', 'g');
    rmSync(join(root!, 'asdf'), { recursive: true, force: true });
    expect(selfCommand({ PATH: shimScript('asdf/shims', `#!/bin/sh\nexec ${join(root!, 'y', 'g', 'bin', 'openai-setup')} "$@"\n`) }, 'linux', script).command).toBe(script);
  });

  it('a shim does not run a project\'s install or a clone: the script by its path', () => {
    const shims = shimScript('.asdf/shims', ASDF);
    const project = binFolder('app', 'node_modules', 'openai-setup', 'bin');
    expect(selfCommand({ PATH: `${shims}:/usr/bin` }, 'linux', join(project, 'openai-setup')).command).toBe(join(project, 'openai-setup'));
    const volta = shimLink('.volta/bin', 'volta-shim');
    const clone = binFolder('clone', 'bin');
    expect(selfCommand({ PATH: volta }, 'linux', join(clone, 'openai-setup')).command).toBe(join(clone, 'openai-setup'));
  });

  it('not a version manager\'s: asdf\'s words outside a shims folder, a link to another binary, an unrelated script', () => {
    const script = globalScript('.asdf', 'installs', 'nodejs', '20.11.0');
    expect(selfCommand({ PATH: shimScript('bin', ASDF) }, 'linux', script).command).toBe(script);
    expect(selfCommand({ PATH: shimLink('links', 'other-tool') }, 'linux', script).command).toBe(script);
    expect(selfCommand({ PATH: shimScript('.nodenv/shims', '#!/bin/sh\necho hello\n') }, 'linux', script).command).toBe(script);
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
    const npx = underNpx(npxCopy({ dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: ['openai-setup'] } }));
    expect(npx.command).toBe('npx --yes openai-setup');
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

describe('the command that installs this copy, for a run started by its path', () => {
  /** A folder holding a package (`name` in its package.json; none when null), with its bin script; the script's path. */
  function packageFolder(folder: string, name: string | null = 'openai-setup'): string {
    const bin = binFolder(folder, 'bin');
    if (name !== null) writeFileSync(join(bin, '..', 'package.json'), JSON.stringify({ name, version: '0.1.0' }));
    return join(bin, 'openai-setup');
  }

  it('a clone (a folder of its own holding this package), not on PATH: `npm install -g` that folder, not the registry\'s package', () => {
    const script = packageFolder('clone');
    const self = selfCommand({ PATH: '/usr/bin' }, 'linux', script);
    expect(self).toEqual({ command: script, posixCommand: script, note: null, npx: false, install: `npm install -g ${join(root!, 'clone')}` });
  });

  it('its folder quoted for the shell where it needs it (a space, letters beyond ASCII)', () => {
    for (const folder of ['my clone', 'Téléchargements']) {
      const script = packageFolder(folder);
      expect(selfCommand({ PATH: '/usr/bin' }, 'linux', script).install).toBe(`npm install -g '${join(root!, folder)}'`);
    }
  });

  it('a clone npx linked into its cache: that clone\'s folder, by its real path', () => {
    packageFolder('linked');
    const cache = join(root!, '.npm', '_npx', 'c10e', 'node_modules');
    mkdirSync(join(cache, '.bin'), { recursive: true });
    symlinkSync(join(root!, 'linked'), join(cache, 'openai-setup'));
    symlinkSync('../openai-setup/bin/openai-setup', join(cache, '.bin', 'openai-setup'));
    const self = selfCommand({ PATH: `${join(cache, '.bin')}:/usr/bin`, npm_command: 'exec' }, 'linux', join(cache, '.bin', 'openai-setup'));
    expect(self.install).toBe(`npm install -g ${realpathSync(join(root!, 'linked'))}`);
  });

  it('a folder that is not this package (no package.json, another package\'s): `npm install -g openai-setup` as before', () => {
    expect(selfCommand({ PATH: '/usr/bin' }, 'linux', packageFolder('bare', null)).install).toBe('npm install -g openai-setup');
    expect(selfCommand({ PATH: '/usr/bin' }, 'linux', packageFolder('other', 'other-tool')).install).toBe('npm install -g openai-setup');
  });

  it('a copy npm installed by name (a project\'s node_modules, a global install not on PATH), or the one on PATH: `npm install -g openai-setup`', () => {
    const project = join(tempRoot(), 'app', 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(project), { recursive: true });
    writeFileSync(project, '#!/usr/bin/env node\n', { mode: 0o755 });
    writeFileSync(join(dirname(project), '..', 'package.json'), JSON.stringify({ name: 'openai-setup' }));
    expect(selfCommand({ PATH: '/usr/bin' }, 'linux', project).install).toBe('npm install -g openai-setup');
    const clone = packageFolder('on-path');
    expect(selfCommand({ PATH: dirname(clone) }, 'linux', clone)).toMatchObject({ command: 'openai-setup', install: 'npm install -g openai-setup' });
  });
});
