// `openai-setup` / `openai-setup setup`: the whole flow. A checklist, each pending stage in order,
// then a live check whose answer routes the person back to the stage that fixes the problem.
import { buildCheckRequest, recordCheck, runCheck } from '../api/check.js';
import { STATUS } from '../api/status.js';
import type { CheckResult } from '../api/types.js';
import type { Context } from '../context.js';
import { maskKey } from '../keys/format.js';
import { PAGES } from '../platform.js';
import { runBillingStage } from '../stages/billing.js';
import { STAGE_TITLES } from '../stages/index.js';
import { runKeyStage } from '../stages/key.js';
import { runLoginStage } from '../stages/login.js';
import type { StageOutcome } from '../stages/page.js';
import { runPaymentStage } from '../stages/payment.js';
import { findKey, resolveProfileName, type KeySource } from '../storage/profile-key.js';
import { STAGE_IDS, type StageId } from '../storage/state.js';
import { printCheck } from '../terminal/check-report.js';
import { marks } from '../terminal/output.js';

export interface SetupOptions {
  profile?: string;
  restart: boolean;
  insecureStorage: boolean;
}

async function printChecklist(ctx: Context, profileName: string): Promise<StageId[]> {
  const { term } = ctx;
  const m = marks(term.style);
  const profile = (await ctx.state.read()).profiles[profileName];
  const pending: StageId[] = [];
  STAGE_IDS.forEach((id, index) => {
    const done = profile?.stages[id];
    if (!done) pending.push(id);
    term.out(`  ${done ? m.ok : m.pending} ${index + 1}. ${STAGE_TITLES[id]}${done ? term.style.dim(' (done)') : ''}`);
  });
  return pending;
}

async function forgetStage(ctx: Context, profileName: string, stage: StageId): Promise<void> {
  await ctx.state.updateProfile(profileName, (p) => {
    delete p.stages[stage];
  });
}

async function markAllDone(ctx: Context, profileName: string): Promise<void> {
  await ctx.state.updateProfile(profileName, (p) => {
    for (const id of STAGE_IDS) p.stages[id] ??= { doneAt: ctx.clock.now().toISOString() };
  });
}

function printReady(ctx: Context, key: string): void {
  const { term } = ctx;
  const s = term.style;
  term.out();
  term.out(s.bold.green("You're ready to build."));
  term.out(`Your key ${maskKey(key)} works. The OpenAI SDKs read it from OPENAI_API_KEY:`);
  const commands: Array<[string, string]> = [
    ['openai-setup run -- node app.js', 'run a program with the key set'],
    ['export OPENAI_API_KEY="$(openai-setup token)"', 'set it in this shell'],
    ['openai-setup env --file .env', 'write it to a git-ignored .env'],
  ];
  const width = Math.max(...commands.map(([command]) => command.length));
  for (const [command, what] of commands) term.out(`  ${s.cyan(command.padEnd(width))}  ${what}`);
  term.out('Then, in code:');
  term.out(`  Python:  ${s.dim('from openai import OpenAI; client = OpenAI()')}`);
  term.out(`  Node:    ${s.dim('import OpenAI from "openai"; const client = new OpenAI();')}`);
  term.out(`Watch what you spend: ${PAGES.usage.url}`);
}

type Choice = 'billing' | 'key' | 'recheck' | 'stop';

/** After a failed check: what to fix and where (the status table's route), then where to go. */
async function chooseRoute(ctx: Context, result: CheckResult): Promise<Choice> {
  const prompter = ctx.prompter('Fix it as described above, then run `openai-setup verify`.');
  const route = STATUS[result.status].route;
  if (route === 'billing') {
    return prompter.select<Choice>('The key cannot spend yet. What now?', [
      { name: 'Go to billing (add credits or raise the limit)', value: 'billing' },
      { name: 'I fixed it: check again', value: 'recheck' },
      { name: 'Use a different key (one from the funded organization/project)', value: 'key' },
      { name: 'Stop for now', value: 'stop' },
    ]);
  }
  if (route === 'key') {
    return prompter.select<Choice>('The key does not work. What now?', [
      { name: 'Paste a new key', value: 'key' },
      { name: 'I fixed it: check again', value: 'recheck' },
      { name: 'Stop for now', value: 'stop' },
    ]);
  }
  return prompter.select<Choice>('The check could not finish. What now?', [
    { name: 'Check again', value: 'recheck' },
    { name: 'Paste a different key', value: 'key' },
    { name: 'Stop for now', value: 'stop' },
  ]);
}

export async function run(ctx: Context, options: SetupOptions): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = await resolveProfileName(ctx, options.profile);
  term.out(term.style.bold('openai-setup: from an OpenAI account to a working API key'));
  if (profileName !== 'default') term.out(term.style.dim(`Profile: ${profileName}`));
  let pending = await printChecklist(ctx, profileName);
  if (options.restart) pending = [...STAGE_IDS];

  // A working key already here: say so and offer to finish at once.
  let current: { key: string; source: KeySource; check?: CheckResult } | null = null;
  if (!options.restart) {
    // The keychain is a child process (~40 ms, seconds on a slow D-Bus): ask it only when the
    // state file says a key was stored, so that a first run shows stage 1 at once.
    const stored = (await ctx.state.read()).profiles[profileName]?.key;
    const found = ctx.env.OPENAI_API_KEY || stored ? await findKey(ctx, profileName) : { key: null };
    if (found.key) {
      term.out();
      term.out(`Found a key: ${maskKey(found.key)} (from ${found.source.label}). Checking it first.`);
      const check = await runCheck(ctx, buildCheckRequest(ctx, found.key));
      printCheck(term, found.key, found.source, check);
      await recordCheck(ctx, profileName, found.key, found.source, check);
      current = { key: found.key, source: found.source, check };
      if (check.ok && check.billing === 'ok') {
        const prompter = ctx.prompter('Run `openai-setup --restart` to walk the stages anyway.');
        const finish = await prompter.confirm("You're already set up. Finish now? (No walks through the stages anyway)", true);
        if (finish) {
          await markAllDone(ctx, profileName);
          if (found.source.kind === 'env' && !(await ctx.state.read()).profiles[profileName]?.key) {
            term.out(`${m.warn} The key is only in OPENAI_API_KEY. To keep it in the keychain too:  printenv OPENAI_API_KEY | openai-setup key --stdin`);
          }
          printReady(ctx, found.key);
          return 0;
        }
        pending = [...STAGE_IDS];
      } else if (STATUS[check.status].route === 'billing') {
        await forgetStage(ctx, profileName, 'billing');
        if (!pending.includes('billing')) pending.push('billing');
      } else if (STATUS[check.status].route === 'key') {
        await forgetStage(ctx, profileName, 'key');
        if (!pending.includes('key')) pending.push('key');
        current = null;
      }
    }
  }

  // Whatever the stages change, the key is checked again afterwards.
  if (current) current.check = undefined;

  const runStage = async (stage: StageId, index: number): Promise<StageOutcome> => {
    const position = `Step ${index + 1} of 4`;
    switch (stage) {
      case 'login':
        return runLoginStage(ctx, { profile: profileName, position });
      case 'payment':
        return runPaymentStage(ctx, { profile: profileName, position });
      case 'billing':
        return runBillingStage(ctx, { profile: profileName, position });
      case 'key': {
        const result = await runKeyStage(ctx, { profile: profileName, position, insecureStorage: options.insecureStorage });
        if (result.key && result.source) current = { key: result.key, source: result.source, check: result.check };
        return result.outcome;
      }
    }
  };

  const skipped: StageId[] = [];
  for (const stage of STAGE_IDS) {
    if (!pending.includes(stage)) continue;
    const outcome = await runStage(stage, STAGE_IDS.indexOf(stage));
    if (outcome === 'skipped') skipped.push(stage);
  }

  // The live check decides: a stage confirmed by "done" is trusted only until it says otherwise.
  for (;;) {
    if (!current) {
      term.out();
      term.out(`${m.warn} No key yet. When you have one, run \`openai-setup key\` (or \`openai-setup\` to continue).`);
      return 0;
    }
    let check = current.check;
    if (!check) {
      check = await runCheck(ctx, buildCheckRequest(ctx, current.key));
      printCheck(term, current.key, current.source, check);
      await recordCheck(ctx, profileName, current.key, current.source, check);
    }
    current.check = undefined;
    if (check.ok) {
      if (skipped.length) {
        term.out(`${m.warn} Skipped: ${skipped.map((s) => STAGE_TITLES[s]).join('; ')}. Run \`openai-setup\` again to finish them.`);
      } else {
        await markAllDone(ctx, profileName);
      }
      printReady(ctx, current.key);
      return 0;
    }
    if (check.status === 'insufficient_quota') {
      term.out(`${m.warn} Credits sit with one organization (and its projects): a key from another organization or project than the one you funded gets this same error.`);
      await forgetStage(ctx, profileName, 'billing');
    }
    const route = await chooseRoute(ctx, check);
    if (route === 'stop') {
      term.out('Stopped. Your progress is saved: run `openai-setup` to continue.');
      return check.exitCode;
    }
    if (route === 'billing') {
      await runBillingStage(ctx, { profile: profileName, position: 'Back to step 3' });
    } else if (route === 'key') {
      await forgetStage(ctx, profileName, 'key');
      const result = await runKeyStage(ctx, { profile: profileName, position: 'Back to step 4', insecureStorage: options.insecureStorage });
      if (result.key && result.source) current = { key: result.key, source: result.source, check: result.check };
    }
  }
}
