// `openai-setup` / `openai-setup setup`: the whole flow. A checklist, each pending stage in order,
// then a live check whose answer routes the person to what fixes the problem, until it works.
import { buildCheckRequest, runCheck, storedBesideByHint, storedValueNotSent, type CheckSettings, type StoredBeside } from '../api/check.js';
import { otherServer } from '../api/diagnosis.js';
import { CUSTOM_HEADERS_VARIABLE } from '../api/custom-headers.js';
import { limitReason, type LimitScreen } from '../api/limits.js';
import { outcomeRow, refusalOf } from '../api/status.js';
import type { CheckResult } from '../api/types.js';
import { billingNotProven } from '../api/verdict.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, UsageError } from '../errors.js';
import { heldWithMore, maskKey, secretOf } from '../keys/format.js';
import { recordCheck } from '../last-check.js';
import { DEFAULT_MODEL, isOfficialBaseURL, OFFICIAL_API_BASE_URL, PAGES } from '../platform.js';
import { runBillingStage } from '../stages/billing.js';
import { STAGE_TITLES, stageWithoutQuestions } from '../stages/index.js';
import { runKeyStage, type KeyStageResult } from '../stages/key.js';
import { runLoginStage } from '../stages/login.js';
import { heading, markDone, showPage, untilLeftPage, type StageOutcome } from '../stages/page.js';
import { runPaymentStage } from '../stages/payment.js';
import { envKeyHeld, findKey, judgeStoredKey, keychainFailure, keyNeedsFile, noKeyError, resolveProfileName, storedSource, type KeySource } from '../storage/profile-key.js';
import { billingChoiceOf, STAGE_IDS, stageOrganization, stageRecord, type StageId } from '../storage/state.js';
import { printCheck } from '../terminal/check-report.js';
import { marks, NO_TERMINAL } from '../terminal/output.js';
import { sanitize, withoutCredentials } from '../terminal/sanitize.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { shellCaptureLine, shellCommandPrefix, shellExportLine, shellUnsetLine, shellWord } from '../terminal/shell.js';
import { shellDirsOf } from '../storage/paths.js';
import { checkFlags, profileFlagFor, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';
import { pythonRefusesPip } from '../terminal/invocation.js';

export interface SetupOptions {
  profile?: string;
  restart: boolean;
  insecureStorage: boolean;
  /** --base-url, --model, --timeout: the live checks', as for `key` and `verify`; the commands it recommends repeat them. */
  check?: CheckSettings;
}

async function printChecklist(ctx: Context, profileName: string): Promise<StageId[]> {
  const { term } = ctx;
  const m = marks(term.style);
  const state = await ctx.state.read();
  const pending: StageId[] = [];
  STAGE_IDS.forEach((id, index) => {
    const done = stageRecord(state, profileName, id);
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

/**
 * What a check that works proves done. `billingProven` false (billingNotProven): the key works, but
 * the card and the credits are not shown by it, so payment and billing stay as they were.
 */
async function markAllDone(ctx: Context, profileName: string, billingProven = true): Promise<void> {
  await ctx.state.updateProfile(profileName, (p) => {
    // A stage done before keeps its time; one not done (stage 3's progress too) is now done.
    for (const id of STAGE_IDS) {
      if (!billingProven && (id === 'payment' || id === 'billing')) continue;
      // The check just recorded found the key's organization: payment and billing are done for it.
      // One done for another organization is done again, for this one.
      const record = p.stages[id];
      const organization = stageOrganization(p, id);
      const elsewhere = record?.doneAt && record.organization && organization.organization && record.organization !== organization.organization;
      if (!record?.doneAt || elsewhere) p.stages[id] = { doneAt: ctx.clock.now().toISOString(), ...organization };
    }
  });
}

/** The key the wizard goes on with, and where it came from (its check, when one was made of it and still stands). */
interface CurrentKey {
  key: string;
  source: KeySource;
  check?: CheckResult;
  storage?: KeyStageResult['storage'];
}

/**
 * A key this run found stored (or stored itself), looked at again before it is checked again, kept
 * or claimed ("ready", every stage done): another run (`logout`, `key` in another terminal) may have removed or replaced
 * it while a question was open. undefined: it is still the key stored, or it is not from the store
 * (OPENAI_API_KEY, the person's own line). Else what the wizard goes on with, said in one line: the
 * key stored in its place (not checked yet), or null when there is none (or nothing that is a key).
 */
async function storedMeanwhile(ctx: Context, profileName: string, current: CurrentKey, check: CheckSettings | undefined): Promise<CurrentKey | null | undefined> {
  const fromStore = current.storage === undefined ? current.source.kind === 'keychain' || current.source.kind === 'file' : current.storage !== 'env';
  if (!fromStore) return undefined;
  // As the wizard found it at first (findKey), without its words: the record's place, then the other.
  const { stored, keychainError } = await ctx.keys.find(profileName);
  const judged = stored ? judgeStoredKey(ctx, profileName, stored, check?.baseURL, { check }) : null;
  if (stored && (judged?.key ?? stored.key) === current.key) return undefined;
  // A keychain that no longer answers tells nothing of what it holds: said as at the start, not guessed.
  if (!stored && keychainError && keychainError.problem !== 'no-service') {
    throw keychainFailure(ctx, keychainError, profileName, `The key stored for profile "${profileName}" could not be read again, so this run cannot say it is ready.`, check);
  }
  const m = marks(ctx.term.style);
  const was = maskKey(current.key);
  if (stored) ctx.term.addSecret(stored.key);
  if (stored && judged?.key) {
    ctx.term.out(`${m.warn} ${was} is no longer the key stored for profile "${profileName}": another run stored ${maskKey(stored.key)} in its place meanwhile. Checking that one.`);
    return { key: judged.key, source: storedSource(stored.storage, profileName) };
  }
  const other = stored ? `stored ${maskKey(stored.key)}, which is not an API key, in its place` : 'removed it';
  ctx.term.out(`${m.warn} ${was} is no longer stored for profile "${profileName}": another run ${other} meanwhile.`);
  return null;
}

/** The failed check was of the key OPENAI_API_KEY holds: with a key stored for the profile beside it, or none; null: it was not. */
/** A failed check of OPENAI_API_KEY: the key stored beside it (StoredBeside); null when the key checked was not the variable's. */
type FromVariable = StoredBeside | null;

/**
 * Without a terminal the wizard cannot ask: name the command that does each stage still to do.
 * When the live check of the key found here failed, that is what the run ends with, as `verify`
 * would (its exit code), with the commands that fix it.
 */
async function nonInteractivePath(ctx: Context, profileName: string, pending: StageId[], options: SetupOptions, check: CheckResult | null, fromVariable: FromVariable = null): Promise<ExitError> {
  const { term } = ctx;
  const state = await ctx.state.read();
  const why = term.whyNoPrompts || NO_TERMINAL;
  // Each command on a line of its own, under what it is for: a description after it on the same
  // line would be pasted with it (as arguments, or a shell's syntax error; zsh reads no comment
  // typed at its prompt unless told to, so `  # …` would not do either).
  const lines: string[] = [];
  const step = (what: string, command: string) => lines.push(`${what}:`, `  ${command}`);
  // Without a keychain, `key` alone fails: the line that works here keeps it in a 0600 file.
  const noKeychain = pending.includes('key') && !options.insecureStorage && (await ctx.keys.probeWritable()) !== null;
  // Piped from OPENAI_API_KEY only where it holds a key (storeKeyAdvice), and not when that key
  // is the one the check just rejected (OPENAI_API_KEY is the key checked whenever it is set).
  const variableFailed = check !== null && !check.ok && outcomeRow(check).route === 'key';
  for (const stage of pending) {
    const { what, command } = stageWithoutQuestions(ctx, state, profileName, stage, { insecureStorage: options.insecureStorage, noKeychain, check: options.check, variableFailed });
    step(what, command);
  }
  if (check && !check.ok) {
    // The check is reported above; what fixes it, as commands, and its exit code.
    const verify = verifyCommand(ctx, profileName, options.check);
    const route = outcomeRow(check).route;
    const variable = route === 'elsewhere' ? envVariableBehind(ctx, check) : null;
    const then =
      route === 'billing'
        ? 'Add credits, mark billing done and check the key again:'
        : route === 'limit'
          ? `${limitScreen(check).todo}, then check the key again:`
          : route === 'key'
            ? fromVariable
              ? `Set OPENAI_API_KEY to a key that works (where it is set: your shell or its startup file, a CI secret), as it is read before any stored key; or unset it${fromVariable === 'other' ? ' to use the key stored for the profile' : fromVariable === 'same' ? ' and store a new one (the key stored for the profile is this same key)' : ' and store one'}:`
              : 'Store a key that works:'
            : variable
              ? `Unset ${variable} (or ${orSetIt(variable, check)}), then check the key again:`
              : 'Fix it as described above, then check the key again:';
    const failed = `The check above did not pass, and the wizard asks nothing here (${why}). ${then}`;
    // The key checked came from OPENAI_API_KEY: a key stored would change nothing while it is set.
    if (route === 'key') return new ExitError(check.exitCode, failed, fromVariable ? ['To unset it, in this shell:', `  ${shellUnsetLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY')}`, ...lines] : lines);
    const unset = variable ? shellUnsetLine(ctx.rawEnv, ctx.platform, variable) : null;
    // Nothing but what the message says (unset, check again): the commands alone.
    if (!lines.length) return new ExitError(check.exitCode, failed, [...(unset ? [unset] : []), verify]);
    // First: `key --stdin` among the stage lines checks the key too, and would send the header again.
    const stages = lines.splice(0);
    if (unset) step('First, in this shell', unset);
    lines.push(...stages);
    step('Then check the key again', verify);
    return new ExitError(check.exitCode, failed, lines);
  }
  return new UsageError(`The wizard asks questions, but ${why}. ${why === NO_TERMINAL ? 'Without one, do' : 'Instead, do'} its stages as commands:`, lines);
}

/**
 * The key stored for a profile beside the one checked (`checked`, from OPENAI_API_KEY): whether it
 * is the same (null: it could not be read here to compare), its masked hint and where it is; null
 * when none is stored. The keychain is asked only when the state file says a key is stored.
 */
async function storedBeside(ctx: Context, profileName: string, checked: string): Promise<{ same: boolean | null; hint: string; storage: 'keychain' | 'file'; where: string } | null> {
  const record = (await ctx.state.read()).profiles[profileName]?.key;
  if (!record || record.storage === 'env') return null;
  const where = record.storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : `the --insecure-storage file ${ctx.keys.filePath}`;
  let stored: string | null = null;
  try {
    stored = (await ctx.keys.find(profileName)).stored?.key ?? null;
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
  }
  if (stored === null) return { same: null, hint: sanitize(record.hint, 40), storage: record.storage, where };
  ctx.term.addSecret(stored);
  return { same: stored === checked, hint: maskKey(stored), storage: record.storage, where };
}

/**
 * The line that sets OPENAI_API_KEY in this shell from `token` (`tokenCommand`), and
 * OPENAI_BASE_URL to `server` with it: `A="$(…)"; export A B=…` in a POSIX shell, two lines' worth
 * in one for the shells without `export` (fish, csh, PowerShell).
 */
function setInShell(ctx: Context, tokenCommand: string, server: string | null): string {
  return shellCaptureLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY', tokenCommand, server === null ? null : { name: 'OPENAI_BASE_URL', value: server });
}

/**
 * The closing screen: what to run now, with the commands as this person can type them. `check`:
 * the live-check options of this run; a key checked against another server (--base-url) is handed
 * to programs with OPENAI_BASE_URL set to it, so that none sends it to the OpenAI API instead, and
 * the one real call asks for the model checked (--model).
 */
async function printReady(
  ctx: Context,
  profileName: string,
  key: string,
  source: KeySource,
  check: CheckSettings | undefined,
  storage?: KeyStageResult['storage'],
  unproven: string | null = null,
): Promise<void> {
  const { term } = ctx;
  const s = term.style;
  const m = marks(s);
  // Its user:password is a secret, never printed: said below, for the person to add.
  const server = check?.baseURL === undefined ? null : withoutCredentials(check.baseURL);
  // Without --base-url, the check went where this shell's OPENAI_BASE_URL points: named when that
  // is not OpenAI's (programs started from this shell go there too).
  const shellServer = server === null && ctx.env.OPENAI_BASE_URL !== undefined ? otherServer(ctx.env.OPENAI_BASE_URL) : null;
  const shellServerWords = shellServer === null ? '' : ` with ${sanitize(shellServer, 200)} (OPENAI_BASE_URL in this shell), not the OpenAI API`;
  // Set for the one command, as the person's shell takes it (`env` in csh).
  const toServer = server === null ? '' : shellCommandPrefix(ctx.rawEnv, ctx.platform, 'OPENAI_BASE_URL', server);
  const model = check?.model ?? DEFAULT_MODEL;
  // With OPENAI_API_KEY set, the key stored for the profile may be that one or another.
  const beside = source.kind === 'env' && storage !== 'env' ? await storedBeside(ctx, profileName, key) : null;
  term.out();
  if (unproven === null) term.out(s.bold.green("You're ready to build."));
  else {
    // The key works, but nothing showed that it can spend: not "ready", and what to run once it can be shown.
    const stored = storage !== 'env' && (source.kind !== 'env' || beside?.same === true);
    const other = server === null ? shellServer : otherServer(server);
    const at = other === null ? '' : ` with ${sanitize(other, 200)}`;
    term.out(s.bold.yellow(`Your key works${at}${stored ? ' and is stored' : ''}, but billing is not proven yet.`));
    term.say(`${m.warn} Billing was not proven: ${unproven}. Check again later, before you rely on it: \`${verifyCommand(ctx, profileName, check)}\``);
  }
  // Where python3 refuses `pip install` (PEP 668), a venv in the current folder is what works as printed.
  const venv = await pythonRefusesPip(ctx.rawEnv, ctx.platform);
  const callPython = `${venv ? '.venv/bin/python' : 'python3'} -c 'from openai import OpenAI; print(OpenAI().responses.create(model="${model}", input="Say hi in five words").output_text)'`;
  const callNode = `node -e 'new (require("openai").OpenAI)().responses.create({model:"${model}",input:"Say hi in five words"}).then((r)=>console.log(r.output_text))'`;
  // One command a line, each to be pasted as it is; `prefix` hands the stored key over (nothing
  // when the key is already in OPENAI_API_KEY).
  const oneRealCall = (lead: string, prefix = '') => {
    term.out(`${lead} (a short request costs a fraction of a cent):`);
    term.command(`  ${s.cyan(venv ? 'python3 -m venv .venv && .venv/bin/pip install openai' : 'pip install openai')}`);
    term.command(`  ${s.cyan(`${toServer}${prefix}${callPython}`)}`);
    // On a line of its own: before `npm install` on the same line, it would be pasted with it.
    term.out('Or with Node:');
    term.command(`  ${s.cyan('npm install openai')}`);
    term.command(`  ${s.cyan(`${toServer}${prefix}${callNode}`)}`);
  };
  // Commands with what each does: the description on a line of its own, above the command (on the
  // same line it would be pasted with it: words of the program's, or a shell's syntax error), and
  // the command whole (term.command: never broken, or it would not paste back as one).
  const commands = (list: Array<[string, string]>) => {
    for (const [what, command] of list) {
      term.out(`  ${what}:`);
      term.command(`    ${s.cyan(command)}`);
    }
  };
  const official = server === null || isOfficialBaseURL(server);
  // One of OpenAI's data-residency hosts (eu.api.openai.com) is OpenAI's, yet programs reach it only by OPENAI_BASE_URL.
  const elsewhere = server !== null && !(official && new URL(server).hostname === new URL(OFFICIAL_API_BASE_URL).hostname);
  const works = `Your key ${maskKey(key)} works${elsewhere ? ` with ${sanitize(server)}` : shellServerWords}.`;
  const serverNote = () => {
    const notes = [
      elsewhere ? `It is for that server${official ? '' : ', not the OpenAI API'}: programs need OPENAI_BASE_URL=${shellWord(server)} too (the SDKs read it), as the lines below set it.` : '',
      shellServer !== null ? 'Programs started from this shell send it there too (the SDKs read OPENAI_BASE_URL); elsewhere, they need OPENAI_BASE_URL set the same way.' : '',
      server !== null && server !== check?.baseURL ? 'The user name and password of --base-url are left out of OPENAI_BASE_URL here: add them.' : '',
    ].filter(Boolean);
    if (notes.length) term.say(notes.join(' '));
  };
  if (storage === 'env') {
    // The person keeps the key in their own shell file: it reaches programs once that is read.
    const line = shellExportLine(shellDirsOf(ctx), null);
    term.say(`${works} You keep it in OPENAI_API_KEY yourself: once the line is in ${line.file}, ${line.reload}; the OpenAI SDKs read it from there. openai-setup keeps no copy.`);
    serverNote();
    oneRealCall('Then try one real call');
  } else if (source.kind === 'env' && beside && !beside.same) {
    // Two keys: the one checked reaches programs started from this shell; the stored one, which
    // run, token and env hand out, was not checked by this run.
    term.say(`${works} It is the one in OPENAI_API_KEY, which programs started from this shell get (the OpenAI SDKs read it there).`);
    const stored = beside.same === false ? `Another key, ${beside.hint}, is stored for this profile in ${beside.where}` : `The key stored for this profile in ${beside.where} (${beside.hint}) could not be read here to compare`;
    term.say(`${m.warn} ${stored}: \`${toolCommand(ctx, 'run', profileName)}\`, \`${toolCommand(ctx, 'token', profileName)}\` and \`${toolCommand(ctx, 'env', profileName)}\` hand out that one, and this run did not check it.`);
    const storing = storeKeyAdvice(ctx, profileName, beside.storage === 'file', check);
    commands([
      ['Check the stored key', `${toolCommand(ctx, 'token', profileName)} | ${verifyCommand(ctx, profileName, check, '--key -')}`],
      [`Store the checked key in its place${storing.how}`, storing.command],
    ]);
    serverNote();
    oneRealCall('Try one real call from this shell');
  } else if (source.kind === 'env' && !beside) {
    // The key lives in the person's own OPENAI_API_KEY only: programs of this shell already see it.
    term.say(`${works} It is in OPENAI_API_KEY in this shell, where the OpenAI SDKs read it; openai-setup does not keep a copy.`);
    serverNote();
    oneRealCall('Try one real call');
  } else {
    if (source.kind === 'env') {
      term.say(`${works} It is stored for this profile in ${beside!.where}, and it is also the one in OPENAI_API_KEY in this shell, where the OpenAI SDKs read it. Where it is not set, hand it over with:`);
    } else {
      // A different key in this shell's OPENAI_API_KEY reaches programs started here directly; this
      // one with more around it, as no key (as verify says it).
      const shell = envKeyHeld(ctx, check?.baseURL);
      const other = shell && shell.key !== key ? ` OPENAI_API_KEY in this shell holds another key, ${maskKey(shell.key)}, which programs started here directly get; these hand over ${maskKey(key)}:` : ' hand it over with:';
      if (shell?.key === key && shell.around) term.say(`${m.warn} ${heldWithMore('env', maskKey(key), shell.around)}`);
      term.say(`${works} The OpenAI SDKs read it from OPENAI_API_KEY;${other}`);
    }
    commands([
      ['Run a program with the key set', `${toServer}${toolCommand(ctx, 'run', profileName)} -- python3 app.py`],
      ['Set it in this shell', setInShell(ctx, toolCommand(ctx, 'token', profileName), server)],
      [server === null && shellServer === null ? 'Write it to a git-ignored .env' : 'Write it to a git-ignored .env (add OPENAI_BASE_URL there)', `${toolCommand(ctx, 'env', profileName)} --file .env`],
    ]);
    serverNote();
    oneRealCall('Try one real call', `${toolCommand(ctx, 'run', profileName)} -- `);
  }
  term.out(`Watch what you spend: ${PAGES.usage.url}`);
}

/**
 * A page where the fix is made, then the choice to check again: asked again as often as the
 * person wants the page opened again.
 */
async function fixOnPage(ctx: Context, page: Parameters<typeof showPage>[1], question: string, hint: string): Promise<'recheck' | 'stop'> {
  await showPage(ctx, page);
  return untilLeftPage<'recheck' | 'stop'>(ctx, page, question, hint, { name: 'Done: check the key again', value: 'recheck' }, { name: 'Stop for now', value: 'stop' });
}

/**
 * Back from a check that found no credits: straight to the billing overview to add them (the
 * payment choice made in stage 3 stands), then check again.
 */
async function addCredits(ctx: Context, profileName: string, check: CheckSettings | undefined): Promise<'recheck' | 'stop'> {
  const choice = billingChoiceOf(await ctx.state.read(), profileName);
  heading(ctx, 'Add credits', 'Back to step 3');
  ctx.term.say(
    choice === 'auto-reload'
      ? 'On the billing overview, "Add to credit balance": buy credits, and keep auto-reload on so that the balance never reaches $0.'
      : choice === 'monthly'
        ? 'On the billing overview, check that monthly invoicing is still active for your organization; if it is not, the account is prepaid: "Add to credit balance" and buy credits.'
        : 'On the billing overview, "Add to credit balance": buy credits ($5 is plenty to start). Requests stop when the balance reaches $0.',
  );
  const answer = await fixOnPage(ctx, 'billing', 'When you have added credits:', `Add credits on the page above, then run \`${verifyCommand(ctx, profileName, check)}\`.`);
  if (answer === 'recheck') await markDone(ctx, profileName, 'billing');
  return answer;
}

/** The screen for a check stopped by a limit; `why` completes its question. Route 'limit' is only the limit table's reasons. */
function limitScreen(result: CheckResult): LimitScreen & { why: string } {
  const limit = limitReason(result.reason)!;
  return { why: limit.what, ...limit.screen(result.fixUrl) };
}

/** Back from a check stopped by a spend or usage limit: the limits page that lifts it, then check again. */
async function raiseLimit(ctx: Context, profileName: string, result: CheckResult, check: CheckSettings | undefined): Promise<'recheck' | 'stop'> {
  const fix = limitScreen(result);
  heading(ctx, fix.title);
  ctx.term.say(fix.advice);
  return fixOnPage(ctx, fix.page, 'When the limit no longer stops the key:', `${fix.todo}, then run \`${verifyCommand(ctx, profileName, check)}\`.`);
}

type HeaderVariable = 'OPENAI_ORG_ID' | 'OPENAI_PROJECT_ID' | typeof CUSTOM_HEADERS_VARIABLE;

/**
 * The environment variable of this process behind a header the API refused (OPENAI_ORG_ID,
 * OPENAI_PROJECT_ID, a line of OPENAI_CUSTOM_HEADERS): a fix made in the shell cannot reach this
 * run, which would send it again.
 */
function envVariableBehind(ctx: Context, result: CheckResult): HeaderVariable | null {
  const header = result.refusedHeader;
  if (!header) return null;
  if (header.from === CUSTOM_HEADERS_VARIABLE) return ctx.env.OPENAI_CUSTOM_HEADERS ? CUSTOM_HEADERS_VARIABLE : null;
  if (header.from !== 'OPENAI_ORG_ID' && header.from !== 'OPENAI_PROJECT_ID') return null;
  return ctx.env[header.from] === header.value ? header.from : null;
}

/** What the refused header names: the organization or the project. */
const headerWhat = (result: CheckResult) => (result.reason === 'mismatched_project' ? 'project' : 'organization');

/** The other way than unsetting the variable: its value, or its line of OPENAI_CUSTOM_HEADERS, set to the key's ("set it to the key's project"). */
function orSetIt(variable: HeaderVariable, result: CheckResult): string {
  const what = headerWhat(result);
  if (variable !== CUSTOM_HEADERS_VARIABLE) return `set it to the key's ${what}`;
  return `change its ${what === 'project' ? 'OpenAI-Project' : 'OpenAI-Organization'} line to the key's ${what}`;
}

type Choice = 'credits' | 'limits' | 'key' | 'recheck' | 'unset' | 'stop';

/** After a failed check: the choices, the one that fixes it first (the status table's route). */
async function chooseRoute(ctx: Context, profileName: string, result: CheckResult, check: CheckSettings | undefined): Promise<Choice> {
  const prompter = ctx.prompter(`Fix it as described above, then run \`${verifyCommand(ctx, profileName, check)}\`.`);
  const stop = { name: 'Stop for now (progress is kept)', value: 'stop' as const };
  switch (outcomeRow(result).route) {
    case 'billing':
      return prompter.select<Choice>('The key cannot spend yet. What now?', [
        { name: 'Add credits on the billing page', value: 'credits' },
        { name: 'I fixed it: check again', value: 'recheck' },
        { name: "Use a key from the organization I funded", value: 'key' },
        stop,
      ]);
    case 'limit': {
      const fix = limitScreen(result);
      return prompter.select<Choice>(`The key cannot spend: ${fix.why}. What now?`, [
        { name: fix.choice, value: 'limits' },
        { name: 'I fixed it: check again', value: 'recheck' },
        { name: fix.otherKey, value: 'key' },
        stop,
      ]);
    }
    case 'key':
      return prompter.select<Choice>('The key does not work. What now?', [
        { name: 'Paste a new key', value: 'key' },
        stop,
      ]);
    case 'elsewhere': {
      const refused = refusalOf(result)!;
      const variable = envVariableBehind(ctx, result);
      if (variable) {
        // Checking again would send the same header: this run cannot see the variable change.
        const what = headerWhat(result);
        return prompter.select<Choice>(`${refused}, which ${variable} sets. This run cannot see a change made in your shell: what now?`, [
          { name: `Stop here, to unset ${variable} and run the wizard again`, value: 'unset' },
          // No key fits an organization that does not exist (invalid_organization).
          ...(result.reason === 'invalid_organization' ? [] : [{ name: `Paste a key from the ${what} ${variable} names`, value: 'key' as const }]),
          stop,
        ]);
      }
      return prompter.select<Choice>(`${refused}. What now?`, [
        { name: 'I fixed it: check again', value: 'recheck' },
        { name: 'Paste a different key', value: 'key' },
        stop,
      ]);
    }
    default:
      return prompter.select<Choice>('The check could not finish. What now?', [
        { name: 'Check again', value: 'recheck' },
        { name: 'Paste a different key', value: 'key' },
        stop,
      ]);
  }
}

/**
 * The live check of a key the wizard found, with the options of this run for the `key` command its
 * fix names (CheckRequest.storeKey): --insecure-storage when this run was given it, or the key
 * checked is the one in the 0600 file (no keychain here, as verify says it), or, asked when a fix
 * names it, no keychain answers here (keyNeedsFile): without it that command would fail there.
 */
function checkSettings(ctx: Context, options: SetupOptions, profile: string, source: KeySource): CheckSettings {
  return { ...options.check, profile, insecureStorage: options.insecureStorage || source.kind === 'file', needsFile: () => keyNeedsFile(ctx, profile) };
}

export async function run(ctx: Context, options: SetupOptions): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  // Nothing asked or sent that could not be saved: a progress file this build cannot change (a
  // newer openai-setup's) fails here (exit 7), as the first save would after it.
  await ctx.state.assertChangeable();
  const profileName = await resolveProfileName(ctx, options.profile);
  // The wizard and `key` recommended as this run was started: run without its --base-url, they
  // would check (send) the key against the OpenAI API instead of the server it is meant for.
  const given = `${options.insecureStorage ? ' --insecure-storage' : ''}${checkFlags(options.check)}`;
  const again = `${toolCommand(ctx, '', profileName)}${given}`;
  const keyLater = `${toolCommand(ctx, 'key', profileName)}${given}`;
  // An empty Enter at the key prompt, twice: the run ends as "No key yet", progress kept.
  const stop = `stop here (progress is kept: run \`${keyLater}\` when you have a key)`;
  term.out(term.style.bold('openai-setup: from an OpenAI account to a working API key'));
  // Said unless it is the plain default: also for "default" when a bare command would act on another.
  if (profileName !== 'default' || profileFlagFor(ctx, profileName) !== '') term.out(term.style.dim(`Profile: ${profileName}`));
  let pending = await printChecklist(ctx, profileName);
  if (options.restart) pending = [...STAGE_IDS];

  // A working key already here: say so and offer to finish at once.
  let failedCheck: CheckResult | null = null;
  let failedFromVariable: FromVariable = null;
  // OPENAI_API_KEY holds a key the check rejected: a key the key stage stores is not the one programs get while it is set.
  let rejectedVariable: string | undefined;
  // A key that cannot spend, with how the account pays chosen already (by this profile or
  // another): stage 3 would only ask that again. On a terminal what is left is the route's own
  // "Add credits" screen; without one, `billing --done` is still named, to record it.
  let creditsOnly = false;
  let current: CurrentKey | null = null;
  if (!options.restart) {
    // The keychain is a child process (~40 ms, seconds on a slow D-Bus): ask it only when the
    // state file says a key was stored, so that a first run shows stage 1 at once.
    const stored = (await ctx.state.read()).profiles[profileName]?.key;
    const found = ctx.env.OPENAI_API_KEY || stored ? await findKey(ctx, profileName, options.check) : { key: null, keychainError: null };
    // A key was stored, and the keychain cannot give it (locked, or not reachable from here at
    // all: over SSH, in a container): not "no key yet", which would have a second key stored.
    const keychainError = found.key === null ? found.keychainError : null;
    if (keychainError && stored?.storage === 'keychain' && keychainError.problem === 'no-service') {
      throw await noKeyError(ctx, profileName, keychainError, `No key could be read for profile "${profileName}".`, [], options.check);
    }
    if (keychainError && stored && stored.storage !== 'env' && keychainError.problem !== 'no-service') {
      throw keychainFailure(ctx, keychainError, profileName, `The key stored for profile "${profileName}" could not be read.`, options.check);
    }
    if (found.key) {
      term.out();
      term.out(`Found a key: ${maskKey(found.key)} (from ${found.source.label}). Checking it first.`);
      // The wizard asks next, whatever the check says: an Enter typed during it answers nothing unseen.
      if (term.interactive) ctx.prompter('').questionsFollow();
      const request = buildCheckRequest(ctx, found.key, checkSettings(ctx, options, profileName, found.source));
      // A stored value that is no key is said as verify says it, and not sent: its route is the key stage.
      const beside = storedBesideByHint(stored, maskKey(secretOf(found.key)));
      const check = found.notAKey ? storedValueNotSent(found.notAKey) : await runCheck(ctx, request, { givenAs: found.source.kind === 'env' ? 'env' : undefined, keyStored: beside });
      printCheck(term, found.key, found.source, check, term.out, request.baseURL);
      await recordCheck(ctx, profileName, found.key, found.source, check);
      // OPENAI_API_KEY holds a key with whitespace or quotes around it: the variable is the fix (the
      // check says so), and this run cannot see it changed. No key stage, terminal or not: a new key
      // would replace the stored one, likely this very key, and leave the variable as it is.
      if (check.status === 'malformed_key' && found.source.kind === 'env' && envKeyHeld(ctx, options.check?.baseURL)?.around) {
        throw new ExitError(
          check.exitCode,
          "The wizard stops here: it took OPENAI_API_KEY from the shell it was started in, and cannot see it changed there. Set OPENAI_API_KEY to the key alone (in your shell's startup file too, if it is set there), then run the wizard again:",
          [again],
        );
      }
      current = { key: found.key, source: found.source, check };
      if (!check.ok) failedCheck = check;
      if (!check.ok && found.source.kind === 'env') failedFromVariable = beside;
      const route = outcomeRow(check).route;
      if (check.ok && check.billing === 'ok') {
        if (!term.interactive) {
          await markAllDone(ctx, profileName);
          await printReady(ctx, profileName, found.key, found.source, options.check);
          return 0;
        }
        const finish = await ctx.prompter('').confirm("You're already set up. Finish now? (No walks through the stages anyway)", true);
        if (finish) {
          // Another terminal may have removed or replaced the key while the question was open: then
          // it is not claimed. A key stored in its place is checked (below); with none, step 4 follows.
          const now = await storedMeanwhile(ctx, profileName, current, options.check);
          if (now === undefined) {
            await markAllDone(ctx, profileName);
            if (found.source.kind === 'env' && !(await ctx.state.read()).profiles[profileName]?.key) {
              const { command, how } = storeKeyAdvice(ctx, profileName, false, options.check);
              term.out(`${m.warn} The key is only in OPENAI_API_KEY. To keep it in the keychain too${how}:  ${command}`);
            }
            await printReady(ctx, profileName, found.key, found.source, options.check);
            return 0;
          }
          current = now;
          pending = now ? [] : ['key'];
          if (!now) await forgetStage(ctx, profileName, 'key');
        } else pending = [...STAGE_IDS];
      } else if (route === 'billing') {
        await forgetStage(ctx, profileName, 'billing');
        if (!pending.includes('billing')) pending.push('billing');
        creditsOnly = billingChoiceOf(await ctx.state.read(), profileName) !== undefined;
      } else if (route === 'key') {
        if (found.source.kind === 'env') rejectedVariable = found.key;
        await forgetStage(ctx, profileName, 'key');
        if (!pending.includes('key')) pending.push('key');
        current = null;
      }
    }
  }
  // Without a terminal nothing can be asked: a stage to do, or a failed check, ends the run here.
  if (!term.interactive && (pending.length > 0 || failedCheck)) throw await nonInteractivePath(ctx, profileName, pending, options, failedCheck, failedFromVariable);
  if (creditsOnly) pending = pending.filter((stage) => stage !== 'billing');
  // Each stage's record as this run planned by it: a stage another run does meanwhile (`login
  // --done` in another shell while a page here is open) is not asked again, nor a skip recorded.
  const planned = await ctx.state.read();

  // A stored key that works, walked through the stages anyway: stage 4 offers to keep it.
  const keepable = current?.check?.ok && current.source.kind !== 'env' ? maskKey(current.key) : undefined;
  // Whatever the stages change, the key is checked again after them; with no stage to run, the
  // check just made stands (run again at once, a timeout would only keep the person waiting
  // twice). A refusal fixed elsewhere (permissions, region, organization) goes straight to its choices.
  if (current?.check && pending.length > 0 && outcomeRow(current.check).route !== 'elsewhere') current.check = undefined;

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
        // Kept: said only of the key still stored; a key another run stored in its place is checked after the stages.
        const stillStored = async () => {
          const now = current ? await storedMeanwhile(ctx, profileName, current, options.check) : undefined;
          if (now === undefined) return 'stored';
          current = now;
          return now ? 'replaced' : 'removed';
        };
        const result = await runKeyStage(ctx, { profile: profileName, position, insecureStorage: options.insecureStorage, check: options.check, stop, keepable, stillStored, rejectedVariable });
        if (result.key && result.source) current = { key: result.key, source: result.source, check: result.check, storage: result.storage };
        return result.outcome;
      }
    }
  };

  /** Whether another run did the stage since this one planned it: then said, and a key stored meanwhile is the one checked. */
  const doneMeanwhile = async (stage: StageId): Promise<boolean> => {
    const state = await ctx.state.read();
    const doneAt = stageRecord(state, profileName, stage)?.doneAt;
    if (!doneAt || doneAt === stageRecord(planned, profileName, stage)?.doneAt) return false;
    // A key the person keeps in OPENAI_API_KEY themselves is said after the stages, as on a re-run.
    if (stage === 'key' && !current && state.profiles[profileName]?.key?.storage !== 'env') {
      const { stored } = await ctx.keys.get(profileName);
      if (stored) term.addSecret(stored.key);
      const judged = stored ? judgeStoredKey(ctx, profileName, stored, options.check?.baseURL, { check: options.check }) : null;
      // Not readable here (or no key after all): the stage runs, as planned.
      if (!stored || !judged?.key) return false;
      current = { key: judged.key, source: storedSource(stored.storage, profileName) };
    }
    term.out();
    term.out(`${m.ok} Done meanwhile, by another run: Step ${STAGE_IDS.indexOf(stage) + 1} of 4 · ${STAGE_TITLES[stage]}`);
    return true;
  };

  const skipped: StageId[] = [];
  for (const stage of STAGE_IDS) {
    if (!pending.includes(stage)) continue;
    if (await doneMeanwhile(stage)) continue;
    const outcome = await runStage(stage, STAGE_IDS.indexOf(stage));
    if (outcome === 'skipped') skipped.push(stage);
  }

  /**
   * Before the key held is checked again, and before it is claimed: whether it is still the key
   * stored. false: another run removed or replaced it meanwhile (said); the wizard goes on with the
   * key stored in its place, or with none, the one step 4 stores (none when the person stops there).
   */
  const stillHeld = async (held: CurrentKey): Promise<boolean> => {
    const now = await storedMeanwhile(ctx, profileName, held, options.check);
    if (now === undefined) return true;
    current = now;
    if (!now) {
      await forgetStage(ctx, profileName, 'key');
      const result = await runKeyStage(ctx, { profile: profileName, position: 'Back to step 4', insecureStorage: options.insecureStorage, check: options.check, stop });
      if (result.key && result.source) current = { key: result.key, source: result.source, check: result.check, storage: result.storage };
    }
    return false;
  };

  // The live check decides: a stage confirmed by "done" is trusted only until it says otherwise.
  for (;;) {
    if (!current) {
      term.out();
      const record = (await ctx.state.read()).profiles[profileName]?.key;
      if (record?.storage === 'env') {
        // The person keeps the key in their own shell file: it is not set in this shell.
        const line = shellExportLine(shellDirsOf(ctx), null);
        term.say(`${m.warn} The key of this profile (${record.hint}) is kept in OPENAI_API_KEY, which you set yourself in ${line.file}, and it is not set in this shell: ${line.reload}, then run \`${again}\` again.`);
        return 0;
      }
      term.out(`${m.warn} No key yet. When you have one, run \`${keyLater}\` (or \`${again}\` to continue).`);
      // Not 0: the run ends without a key (as `key` or `verify` without one).
      return EXIT.usage;
    }
    let check = current.check;
    if (!check) {
      // A check again ("check again", back from a page) is of the key stored now, and recorded for it.
      if (!(await stillHeld(current))) continue;
      const request = buildCheckRequest(ctx, current.key, checkSettings(ctx, options, profileName, current.source));
      check = await runCheck(ctx, request);
      printCheck(term, current.key, current.source, check, term.out, request.baseURL);
      await recordCheck(ctx, profileName, current.key, current.source, check);
    }
    current.check = undefined;
    if (check.ok) {
      // Found (or kept, or stored) before the questions since: still the key stored? Not claimed
      // when another run removed or replaced it meanwhile; the key stored in its place is checked,
      // and with none, step 4 comes back.
      if (!(await stillHeld(current))) continue;
      const unproven = billingNotProven(check);
      if (skipped.length) {
        term.out(`${m.warn} Skipped: ${skipped.map((s) => STAGE_TITLES[s]).join('; ')}. Run \`${again}\` again to finish them.`);
      } else {
        await markAllDone(ctx, profileName, unproven === null);
      }
      await printReady(ctx, profileName, current.key, current.source, options.check, current.storage, unproven);
      return 0;
    }
    if (outcomeRow(check).route === 'billing') await forgetStage(ctx, profileName, 'billing');
    let choice = await chooseRoute(ctx, profileName, check, options.check);
    if (choice === 'credits') choice = await addCredits(ctx, profileName, options.check);
    if (choice === 'limits') choice = await raiseLimit(ctx, profileName, check, options.check);
    if (choice === 'unset') {
      // Offered only when a variable of this run's environment is behind the refusal.
      const variable = envVariableBehind(ctx, check)!;
      term.say(
        `Stopped; your progress is saved. This run took ${variable} from the shell it was started in, and sends it with every check. In your shell, unset it (or ${orSetIt(variable, check)}; in your shell's startup file too, if it is set there), then run the wizard again:`,
      );
      term.command(`  ${shellUnsetLine(ctx.rawEnv, ctx.platform, variable)}`);
      term.command(`  ${again}`);
      return check.exitCode;
    }
    if (choice === 'stop') {
      term.out(`Stopped. Your progress is saved: run \`${again}\` to continue.`);
      return check.exitCode;
    }
    if (choice === 'key') {
      await forgetStage(ctx, profileName, 'key');
      const result = await runKeyStage(ctx, { profile: profileName, position: 'Back to step 4', insecureStorage: options.insecureStorage, check: options.check, stop });
      if (result.key && result.source) current = { key: result.key, source: result.source, check: result.check, storage: result.storage };
      else {
        // Stopped at the prompt: the check above stands, as at "Stop".
        term.out(`Stopped. Your progress is saved: run \`${again}\` to continue.`);
        return check.exitCode;
      }
    }
  }
}
