// The floor of `status` with one argv parser, for the bench: commander building the tool's whole
// program from the command table (with the zod schemas the table's options are checked with),
// then parsing `status` into a no-op. The commands' own modules are left out (bench.mjs bundles
// this file with them external), so this is what every command pays before its own code runs.
import { buildProgram } from '../../src/program.js';

const program = buildProgram('0.0.0', () => ({}) as never, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, () => {});
program.commands.find((command) => command.name() === 'status')?.action(() => {});
program.parse(['node', 'openai-setup', 'status']);
