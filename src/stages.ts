// The four stages. Each is one function used both by its own command and by the wizard.
import type { CheckResult } from './api-check.js';
import type { Context } from './context.js';
import { ExitError, EXIT, KeyStoreError, UsageError } from './errors.js';
import { maskKey, parseKey } from './key-format.js';
import { describeKeychainProblem, KeychainUnavailableError, type Storage } from './keystore.js';
import { buildCheckRequest, printCheck, recordCheck, runCheck, type CheckSettings, type KeySource } from './live-check.js';
import { PAGES, type PageName } from './platform.js';
import { STAGE_TITLES, type BillingChoice, type StageId } from './state.js';
import { marks } from './terminal.js';
import { shellExportLine } from './shell.js';

// The titles live in state.ts, next to the stage ids, so that `status` does not load this module.
export { STAGE_TITLES };

export type StageOutcome = 'done' | 'skipped';

/** Print a page's URL (always: SSH, headless, phones), then try to open it. */
export async function showPage(ctx: Context, page: PageName | { url: string; title: string }): Promise<void> {
  const { url, title } = typeof page === 'string' ? PAGES[page] : page;
  const m = marks(ctx.term.style);
  // The URL on a line of its own, so that it can be copied (or clicked) in one piece.
  ctx.term.out(`  ${m.arrow} ${title}:`);
  ctx.term.out(`    ${ctx.term.style.underline(url)}`);
  const opening = ctx.browser.open(url);
  // A question follows the page; its code loads while the browser starts.
  if (ctx.term.interactive) ctx.prompter('').warmUp();
  const outcome = await opening;
  if (outcome === 'opened') ctx.term.out(ctx.term.style.dim('    Opened in your browser.'));
  else if (outcome === 'failed') ctx.term.out(ctx.term.style.dim('    Could not open a browser: open the link above yourself.'));
  else ctx.term.out(ctx.term.style.dim(`    Open the link above in a browser on any device (${ctx.browser.skipReason}).`));
}

function heading(ctx: Context, stage: StageId, position?: string): void {
  const prefix = position ? `${position} · ` : '';
  ctx.term.out();
  ctx.term.out(ctx.term.style.bold(`${prefix}${STAGE_TITLES[stage]}`));
}

async function markDone(ctx: Context, profile: string, stage: StageId, extra?: (p: import('./state.js').Profile) => void): Promise<void> {
  await ctx.state.updateProfile(profile, (p) => {
    p.stages[stage] = { doneAt: ctx.clock.now().toISOString() };
    extra?.(p);
  });
}

export interface PageStageOptions {
  profile: string;
  /** "Step 1 of 4" in the wizard. */
  position?: string;
  /** Mark the stage done without asking (for scripts and runs without a terminal). */
  done?: boolean;
}

/** Explain, show the page, and ask whether it is done (or mark it with --done). */
async function confirmStep(ctx: Context, stage: StageId, options: PageStageOptions, page: PageName): Promise<StageOutcome> {
  if (options.done) {
    await markDone(ctx, options.profile, stage);
    ctx.term.out(`${marks(ctx.term.style).ok} Marked as done.`);
    return 'done';
  }
  const prompter = ctx.prompter(`Do it on the page above, then run \`openai-setup ${stage} --done\` to mark it done.`);
  for (;;) {
    const answer = await prompter.select<'done' | 'skip' | 'again'>('When you are done on that page:', [
      { name: 'Done, continue', value: 'done' },
      { name: 'Open the page again', value: 'again' },
      { name: 'Skip for now', value: 'skip' },
    ]);
    if (answer === 'again') {
      await showPage(ctx, page);
      continue;
    }
    if (answer === 'skip') return 'skipped';
    await markDone(ctx, options.profile, stage);
    return 'done';
  }
}

export async function runLoginStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  heading(ctx, 'login', options.position);
  ctx.term.say('Sign in (or sign up) on the API platform. Your ChatGPT account works here: same email, same password. The API is billed separately from ChatGPT, which the next steps set up.');
  await showPage(ctx, 'login');
  return confirmStep(ctx, 'login', options, 'login');
}

export async function runPaymentStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  heading(ctx, 'payment', options.position);
  ctx.term.say('Add a card under Billing › Payment methods ("Add payment method"). Nothing is charged until you buy credits in the next step.');
  await showPage(ctx, 'payment');
  return confirmStep(ctx, 'payment', options, 'payment');
}

export const BILLING_CHOICES: Array<{ value: BillingChoice; name: string; description: string }> = [
  {
    value: 'auto-reload',
    name: 'Pay as you go: credits with auto-reload (recommended for new accounts)',
    description: 'Buy credits once and let them top up automatically when the balance runs low.',
  },
  {
    value: 'prepaid',
    name: 'Prepaid credits only: buy a fixed amount',
    description: 'Buy a fixed amount (minimum $5, default $10) and top up by hand; requests stop at $0.',
  },
  {
    value: 'monthly',
    name: 'Monthly invoicing (only accounts that already have it)',
    description: 'Post-paid monthly invoices survive only on accounts that had them; new accounts are prepaid.',
  },
];

export interface BillingStageOptions extends PageStageOptions {
  choice?: BillingChoice;
}

export async function runBillingStage(ctx: Context, options: BillingStageOptions): Promise<StageOutcome> {
  const { term } = ctx;
  const m = marks(term.style);
  heading(ctx, 'billing', options.position);
  term.say(`${m.warn} A ChatGPT Plus or Pro plan includes NO API credits: the API is paid separately.`);
  term.say(`${m.warn} Free trial credits are generally no longer given; the billing overview shows your balance.`);
  term.say('New accounts are prepaid: you buy credits (minimum $5, default $10), each request uses some, and credits expire after a year. "Pay as you go" today means credits with auto-reload; monthly invoicing survives only on accounts that already had it.');
  let choice = options.choice;
  if (!choice) {
    const prompter = ctx.prompter('Pass --choice auto-reload|prepaid|monthly (and --done once you have bought credits).');
    choice = await prompter.select('How do you want to pay for the API?', BILLING_CHOICES);
  }
  await ctx.state.updateProfile(options.profile, (p) => {
    p.billingChoice = choice;
  });
  if (choice === 'auto-reload') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and keep "auto-reload" on with a threshold and a top-up amount you are comfortable with.');
  } else if (choice === 'prepaid') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and switch auto-reload off.');
  } else {
    term.say('On the billing overview, check that monthly invoicing is still active for your organization.');
  }
  await showPage(ctx, 'billing');
  const outcome = await confirmStep(ctx, 'billing', options, 'billing');
  if (outcome === 'done' && !options.done) {
    const prompter = ctx.prompter('');
    const budget = await prompter.confirm('Open the limits page to set a monthly budget (recommended)?', true);
    if (budget) {
      term.out('Set a monthly budget and an email alert threshold under "Usage limits".');
      await showPage(ctx, 'limits');
    }
  } else if (outcome === 'done') {
    term.out(`Set a monthly budget on the limits page: ${PAGES.limits.url}`);
  }
  return outcome;
}

export interface KeyStageOptions extends PageStageOptions {
  /** Read the key from standard input instead of a prompt. */
  stdin?: boolean;
  /** Keep the key in a 0600 file in the config dir instead of the keychain. */
  insecureStorage?: boolean;
  /** Skip the live check (offline machines). */
  verify?: boolean;
  check?: CheckSettings;
}

export interface KeyStageResult {
  outcome: StageOutcome;
  /** The live check of the stored key, when one ran. */
  check?: CheckResult;
  key?: string;
  /** Where the key came from (pasted, or standard input), for the checks that follow. */
  source?: KeySource;
}

const KEY_SOURCE_PASTED: KeySource = { kind: 'flag', label: 'what you pasted' };
const KEY_SOURCE_STDIN: KeySource = { kind: 'stdin', label: 'standard input' };

type KeychainFallback = 'env' | 'file';

/**
 * The keychain cannot be used: say so plainly, then offer (in this order) setting
 * OPENAI_API_KEY yourself or a 0600 file. Without a terminal, fail naming both.
 */
async function chooseKeychainFallback(ctx: Context, error: KeychainUnavailableError): Promise<KeychainFallback> {
  const { term } = ctx;
  const what = describeKeychainProblem(error, ctx.keys.keychainDescription);
  const line = shellExportLine(ctx.rawEnv, ctx.platform, null);
  if (!term.interactive) {
    throw new KeyStoreError(`${what} The key was not stored.`, [
      `Either set the key yourself in your shell profile (${line.file}):  ${line.line}`,
      'or keep it in a file readable only by you: run again with --insecure-storage.',
    ]);
  }
  term.err(`${marks(term.style).fail} ${what}`);
  const answer = await ctx.prompter('').select<KeychainFallback | 'stop'>('Where should the key go instead?', [
    { name: `Set OPENAI_API_KEY yourself in ${line.file} (I will show the line)`, value: 'env' },
    { name: `Store it in a file only you can read (${ctx.keys.filePath}, like --insecure-storage)`, value: 'file' },
    { name: 'Stop: do not store it', value: 'stop' },
  ]);
  if (answer === 'stop') throw new ExitError(EXIT.keyStore, 'Stopped; the key was not stored.');
  return answer;
}

/** Store the key where it was decided; a keychain that fails only now still gets the choice. */
async function storeKey(ctx: Context, profile: string, key: string, insecure: boolean, fallback?: KeychainFallback): Promise<Storage | null> {
  if (insecure || fallback === 'file') return ctx.keys.set(profile, key, true);
  if (fallback === 'env') {
    const line = shellExportLine(ctx.rawEnv, ctx.platform, null);
    ctx.term.out(`Add this line to ${line.file}, with your key in place of <your key>:`);
    ctx.term.out(`  ${line.line}`);
    if (await ctx.prompter('').confirm('Show the line with the key in it? (it will be on your screen)', false)) {
      ctx.term.writeSecret(`  ${shellExportLine(ctx.rawEnv, ctx.platform, key).line}\n`);
    }
    return null;
  }
  try {
    return await ctx.keys.set(profile, key, false);
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error;
    return storeKey(ctx, profile, key, false, await chooseKeychainFallback(ctx, error));
  }
}

async function readKeyInteractively(ctx: Context): Promise<string> {
  const prompter = ctx.prompter('Pipe the key in with `openai-setup key --stdin`.');
  const raw = await prompter.password('Paste your secret key (input is hidden):', (value) => {
    const parsed = parseKey(value);
    return parsed.ok ? true : `That is not an API key: ${parsed.problem}.`;
  });
  const parsed = parseKey(raw);
  if (!parsed.ok) throw new ExitError(EXIT.keyRejected, `That is not an API key: ${parsed.problem}.`);
  return parsed.key;
}

export async function runKeyStage(ctx: Context, options: KeyStageOptions): Promise<KeyStageResult> {
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = options.profile;
  const interactive = !options.stdin;
  if (interactive) {
    if (!term.interactive) {
      throw new UsageError('Pasting a key needs an interactive terminal.', [
        'Pipe it in instead:  printenv OPENAI_API_KEY | openai-setup key --stdin',
      ]);
    }
    heading(ctx, 'key', options.position);
    term.say('On the API keys page: "Create new secret key", name it (e.g. your machine), pick the project, keep permissions "All", and copy the key: it is shown only once.');
    await showPage(ctx, 'keys');
  }
  // A pipe is read first: a terminal on stdin is a usage error before anything else happens.
  const piped = options.stdin ? await ctx.readStdin() : undefined;
  // Find out now, not after the key is pasted and checked, whether the keychain can take it.
  let fallback: KeychainFallback | undefined;
  if (!options.insecureStorage) {
    const problem = await ctx.keys.probeWritable();
    if (problem) fallback = await chooseKeychainFallback(ctx, problem);
  }

  for (;;) {
    let key: string;
    let source: KeySource;
    if (options.stdin) {
      const parsed = parseKey(piped ?? '');
      if (!parsed.ok) throw new ExitError(EXIT.keyRejected, `That is not an API key: ${parsed.problem}.`);
      key = parsed.key;
      source = KEY_SOURCE_STDIN;
    } else {
      key = await readKeyInteractively(ctx);
      source = KEY_SOURCE_PASTED;
    }
    term.addSecret(key);

    const profile = (await ctx.state.read()).profiles[profileName];
    let check: CheckResult | undefined;
    if (options.verify !== false) {
      check = await runCheck(ctx, buildCheckRequest(ctx, key, profile, options.check));
      printCheck(term, key, source, check);
      await recordCheck(ctx, profileName, key, source, check);
    }
    // A key without credits is still the right key: store it, and let billing be fixed.
    const keyIsGood = !check || check.ok || check.status === 'insufficient_quota';
    if (!keyIsGood && check) {
      const retryable = ['network_error', 'timeout', 'server_error'].includes(check.status);
      if (!term.interactive || options.stdin) {
        throw new ExitError(check.exitCode, 'The key was not stored.', ['Store it without the live check with --no-verify.']);
      }
      const prompter = ctx.prompter('');
      const answer = await prompter.select<'again' | 'recheck' | 'save' | 'stop'>('What now?', [
        ...(retryable ? [{ name: 'Check again', value: 'recheck' as const }] : []),
        { name: 'Paste a different key', value: 'again' },
        { name: 'Save this key anyway', value: 'save' },
        { name: 'Stop without saving', value: 'stop' },
      ]);
      if (answer === 'stop') throw new ExitError(check.exitCode, 'Stopped; the key was not stored.');
      if (answer === 'again') continue;
      if (answer === 'recheck') {
        // Same key, new check: loop without asking for it again.
        const again = await runCheck(ctx, buildCheckRequest(ctx, key, profile, options.check));
        printCheck(term, key, source, again);
        await recordCheck(ctx, profileName, key, source, again);
        check = again;
        if (!(again.ok || again.status === 'insufficient_quota')) {
          term.out('Still failing; you can save it anyway and check later with `openai-setup verify`.');
          const save = await prompter.confirm('Save this key anyway?', false);
          if (!save) throw new ExitError(again.exitCode, 'Stopped; the key was not stored.');
        }
      }
    }

    const storage = await storeKey(ctx, profileName, key, Boolean(options.insecureStorage), fallback);
    await ctx.state.updateProfile(profileName, (p) => {
      if (storage) p.key = { storage, hint: maskKey(key), savedAt: ctx.clock.now().toISOString() };
      p.stages.key = { doneAt: ctx.clock.now().toISOString() };
    });
    if (storage === 'keychain') term.say(`${m.ok} Stored ${maskKey(key)} in the ${ctx.keys.keychainDescription} (service "openai-setup", account "${profileName}").`);
    else if (storage === 'file') term.out(`${m.warn} Stored ${maskKey(key)} in plain text in ${ctx.keys.filePath} (mode 0600).`);
    if (ctx.env.OPENAI_API_KEY && ctx.env.OPENAI_API_KEY !== key) {
      term.err(`${m.warn} OPENAI_API_KEY in this shell is a different key (${maskKey(ctx.env.OPENAI_API_KEY)}); programs that read it will use that one.`);
    }
    return { outcome: 'done', check, key, source };
  }
}

