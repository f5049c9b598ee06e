// Two profiles whose keys are in two organizations, through the built binary: the card and the
// credits marked done under one are not done for the other (payments are an organization's), and
// a key one profile stores given to the other (`token | key --stdin`) is said to be shared.
import { describe, expect, it } from 'vitest';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const WORK = makeKey('proj', 'e2e-orgs-work');
const PERSONAL = makeKey('proj', 'e2e-orgs-personal');
// The second test's (the keyring is the file's: the first test's entries are still in it).
const WORK2 = makeKey('proj', 'e2e-orgs-work2');
const PERSONAL2 = makeKey('proj', 'e2e-orgs-personal2');

const world = useServerAndKeyring((openai) => {
  openai.addKey(WORK, { scenario: 'valid', organization: 'org-work', project: 'proj_orgswork00000000000000000' });
  openai.addKey(PERSONAL, { scenario: 'no_credits', organization: 'org-personal', project: 'proj_orgspers00000000000000000' });
  openai.addKey(WORK2, { scenario: 'valid', organization: 'org-work', project: 'proj_orgswork00000000000000000' });
  openai.addKey(PERSONAL2, { scenario: 'no_credits', organization: 'org-personal', project: 'proj_orgspers00000000000000000' });
});

let count = 0;
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('two profiles, two organizations', () => {
  it("payment and billing done under work are not done for personal, whose key's organization has no credits: status and the wizard lead there", async () => {
    const t = await world.machine();
    const [work, personal] = [`work${count}`, `personal${count++}`];
    expect((await runCli(['key', '-p', work, '--stdin'], { env: t.env, input: `${WORK}\n` })).code).toBe(0);
    for (const args of [['login', '--done'], ['payment', '--done'], ['billing', '--choice', 'auto-reload', '--done']]) {
      expect((await runCli([...args, '-p', work], { env: t.env })).code).toBe(0);
    }
    expect((await runCli(['key', '-p', personal, '--stdin'], { env: t.env, input: `${PERSONAL}\n` })).code).toBe(4);

    const status = await runCli(['status', '-p', personal], { env: t.env });
    expect(status.code).toBe(0);
    const said = flat(status.stdout);
    expect(said).toContain('✔ Log in to the OpenAI API platform done');
    expect(said).toContain(`Add a payment method pending: done for org-work, not for org-personal`);
    expect(said).toContain(`Choose how to pay and set a budget pending: done for org-work, not for org-personal`);
    expect(said).toContain('To fix it, add credits to org-personal');
    expect(said).toContain('2 of 4 stages pending');
    // Work's own status is as it was.
    expect(flat((await runCli(['status', '-p', work], { env: t.env })).stdout)).toMatch(/✔ Add a payment method done/);

    const wizard = await runCli(['-p', personal], { env: t.env });
    expect(wizard.code).toBe(4);
    const next = flat(wizard.stdout + wizard.stderr);
    expect(next).toContain(`payment --done --profile ${personal}`);
    expect(next).toContain(`billing --choice prepaid --done --profile ${personal}`);
  });

  it("`token -p work | key -p personal --stdin` says that profile work stores the same key, and the organization it moves to", async () => {
    const t = await world.machine();
    const [work, personal] = [`work${count}`, `personal${count++}`];
    expect((await runCli(['key', '-p', work, '--stdin'], { env: t.env, input: `${WORK2}\n` })).code).toBe(0);
    expect((await runCli(['key', '-p', personal, '--stdin'], { env: t.env, input: `${PERSONAL2}\n` })).code).toBe(4);
    const token = await runCli(['token', '-p', work], { env: t.env });
    expect(token.code).toBe(0);
    const stored = await runCli(['key', '-p', personal, '--stdin'], { env: t.env, input: token.stdout });
    expect(stored.code).toBe(0);
    expect(flat(stored.stdout + stored.stderr)).toContain(
      `Profile "${work}" stores the same key (sk-proj-…${WORK2.slice(-4)}): revoking it (as rotate does) stops it for both profiles. Its organization is org-work; the key it replaces for profile "${personal}" was in org-personal.`,
    );
    expect(stored.stdout + stored.stderr).not.toContain(WORK2);
  });
});
