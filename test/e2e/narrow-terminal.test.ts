// doctor and profiles through the built binary on a pseudo-terminal 34 columns wide: each label
// on a line of its own and its value under it, so that the masked key, the server's URL, the
// organization's and the project's IDs are each shown whole on a row of the screen (beside the
// label columns, the terminal broke them at its edge: `sk-proj-…z7J` / `o`, `http://127.0` / `.0.1:42775/v1`).
import { describe, expect, it } from 'vitest';
import { ProfilesJsonSchema } from '../../src/commands/profiles.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { screenOf } from '../helpers/screen.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const KEY = makeKey('proj', 'narrow-terminal');
const COLUMNS = 34;
const { server, machine, spawnCli } = useServerAndKeyring((openai) => {
  openai.addKey(KEY, 'valid');
});

/** Each token is on the screen, and wherever the output has it, a row of the screen has it whole. */
function expectWhole(raw: string, tokens: string[]): void {
  const text = raw.replace(/\x1b\[[0-9;]*m/g, '');
  const screen = screenOf(raw, COLUMNS).join('\n');
  for (const token of tokens) {
    const times = text.split(token).length - 1;
    expect(times, `${token} in:\n${screen}`).toBeGreaterThan(0);
    expect(screen.split(token).length - 1, `${token} on the screen:\n${screen}`).toBe(times);
  }
}

describe(`doctor and profiles on a terminal ${COLUMNS} columns wide`, () => {
  it('no masked key, ID or URL is broken at the edge', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin'], { env: t.env, input: KEY })).code).toBe(0);
    const listed = ProfilesJsonSchema.parse(JSON.parse((await runCli(['profiles', '--json'], { env: t.env })).stdout));
    const { key, organization, project } = listed.profiles[0]!;
    expect(organization).toMatch(/^\S{20,}$/);
    expect(project).toMatch(/^\S{20,}$/);
    const tokens = [key!.hint!, organization!, project!];

    const doctor = spawnCli(['doctor'], { env: t.env, cols: COLUMNS });
    expect((await doctor.exited).exitCode).toBe(0);
    expectWhole(doctor.rawOutput(), [...tokens, server().baseURL]);
    expect(doctor.output()).toMatch(/^✔ Stored key\r?$/m);

    const profiles = spawnCli(['profiles'], { env: t.env, cols: COLUMNS });
    expect((await profiles.exited).exitCode).toBe(0);
    expectWhole(profiles.rawOutput(), tokens);
    expect(profiles.output()).toMatch(/^ {2}org\/project\r?$/m);
  });
});
