// Stage 4: create a key on the platform, paste it (hidden) or pipe it in, check it live, and
// store it in the OS keychain (or, when that cannot be used, where the person chooses).
import { buildCheckRequest, otherHostNoticeOnce, runCheck, variableKeyWords, type CheckSettings } from '../api/check.js';
import { outcomeRow } from '../api/status.js';
import type { CheckResult } from '../api/types.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, UsageError } from '../errors.js';
import { heldWithMore, maskKey, parseKey } from '../keys/format.js';
import { recordCheck } from '../last-check.js';
import { baseURLOrigin, isOfficialBaseURL, resolveBaseURL } from '../platform.js';
import { describeKeychainProblem, keychainFix, KeychainCallGivenUpError, KeychainUnavailableError } from '../storage/keychain.js';
import { changeKey, KeyChangeError, keyChangeFailure } from '../storage/key-change.js';
import type { KeySnapshot, Storage } from '../storage/keystore.js';
import { envKeyHeld, keyNeedsFile, type KeySource } from '../storage/profile-key.js';
import { profileIn, type Profile } from '../storage/state.js';
import { printCheck } from '../terminal/check-report.js';
import { marks, needsPrompt } from '../terminal/output.js';
import { shellExportLine, shellSetLine } from '../terminal/shell.js';
import { shellDirsOf } from '../storage/paths.js';
import { hasLineBreakInside, LINE_BREAK_INSIDE, readKeyFromStdin, StdinError } from '../terminal/stdin.js';
import { staleEnvFile } from '../plaintext/env-command.js';
import { staleEnvFileCopies } from '../plaintext/env-files.js';
import { replaceKeyRecord, sayReplaced, type Replaced } from './replaced.js';
import { heading, markDone, showPage, type PageStageOptions, type StageOutcome } from './page.js';
import { readPastedKey } from './paste.js';
import { elsewhereCommand, keyCheckFlags, keyCommand, pipeKeyCommand, promptWhereItAsks, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';

export const KEY_TITLE = 'Create a secret key and store it';

export interface KeyStageOptions extends PageStageOptions {
  /** Read the key from standard input instead of a prompt. */
  stdin?: boolean;
  /** Keep the key in a 0600 file in the config dir instead of the keychain. */
  insecureStorage?: boolean;
  /** Skip the live check (offline machines). */
  verify?: boolean;
  check?: CheckSettings;
  /** What an empty Enter at the prompt stops to, after "Press Enter again to" (the wizard's words: progress kept). */
  stop?: string;
  /** The wizard walking through the stages again: the masked hint of the stored key, which works, offered to keep. */
  keepable?: string;
  /**
   * Asked when the person keeps it, before "Kept" is said: whether it is still the key stored.
   * Another run may have replaced it ('replaced': the key stored in its place goes on, stage done)
   * or removed it ('removed': the paste follows, as for a new key); the change is said by it.
   */
  stillStored?: () => Promise<'stored' | 'replaced' | 'removed'>;
  /** The wizard's check rejected the key OPENAI_API_KEY holds: a key stored here is not the one programs get while it is set. */
  rejectedVariable?: string;
}

export interface KeyStageResult {
  /** 'skipped': nothing was pasted and the person stopped (no key); 'done' without a key: the stored one kept. */
  outcome: StageOutcome;
  /** Where the key went: the keychain, the 0600 file, or the person's own OPENAI_API_KEY line. */
  storage?: Storage | 'env';
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
 * The keychain cannot be used: say so plainly, then offer, in this order, fixing it (a locked
 * keyring can be unlocked), setting OPENAI_API_KEY yourself (not when the key stored before is in
 * this keychain: it could not be removed), or a 0600 file as the last resort. Without a terminal,
 * fail naming them in the same order (`toFile`: this run's command with --insecure-storage, as it
 * works here: storeAdvice). Null:
 * the keychain works now.
 */
async function chooseKeychainFallback(ctx: Context, error: KeychainUnavailableError, profile: string, toFile: KeyAdvice): Promise<KeychainFallback | null> {
  const { term } = ctx;
  const store = ctx.keys.keychainDescription;
  const line = shellExportLine(shellDirsOf(ctx), null);
  // OPENAI_API_KEY kept by the person means no copy here: the key stored before must go, and one
  // in this keychain cannot go from here (see removeStoredCopy). Said now, not after the paste and
  // a billable check.
  const state = await ctx.state.read();
  const record = state.profiles[profile]?.key;
  const stuck = record?.storage === 'keychain' ? record.hint : null;
  // OPENAI_API_KEY is one for every profile, and token, run and env of a named profile hand out
  // that profile's own key, never the variable: set yourself, it is no key for this one.
  const named = profile !== state.defaultProfile;
  for (let problem = error; ; ) {
    const what = describeKeychainProblem(problem, store);
    const fix = keychainFix(problem, store);
    if (!term.interactive) {
      throw new KeyStoreError(`${what} The key was not stored.`, [
        ...(fix ? [fix] : []),
        ...(named
          ? [`${fix ? 'Or keep' : 'Keep'} it in a file readable only by you${toFile.how}:  ${toFile.command}`]
          : [
              `${fix ? 'Or' : 'Either'} set the key yourself in your shell profile (${line.file}):  ${line.line}`,
              `or, as a last resort, keep it in a file readable only by you${toFile.how}:  ${toFile.command}`,
            ]),
      ]);
    }
    term.err(`${marks(term.style).fail} ${what}`);
    if (fix) term.say(`  ${fix}`);
    if (named && !stuck) {
      term.say(`  Setting OPENAI_API_KEY yourself is not offered: the variable is the same for every profile, and token, run and env hand out the key stored for profile "${profile}", never the variable.`);
    }
    if (stuck) {
      term.say(
        `  Setting OPENAI_API_KEY yourself is not offered: the key stored for profile "${profile}" (${stuck}) is in the ${store}, and it cannot be removed from here, so openai-setup would go on handing it out. To keep the new key in OPENAI_API_KEY, remove that one where the keychain can be reached first (\`${elsewhereCommand(ctx, 'logout', profile)}\`).`,
      );
    }
    const answer = await ctx.prompter('').select<KeychainFallback | 'retry' | 'stop'>('Where should the key go?', [
      // Another user's session bus is no fix this run can wait for: it is run as the wrong user.
      ...(fix && problem.problem !== 'other-user' ? [{ name: 'I fixed it: try the keychain again', value: 'retry' as const }] : []),
      ...(stuck || named ? [] : [{ name: `Set OPENAI_API_KEY yourself in ${line.file} (I will show the line)`, value: 'env' as const }]),
      { name: `Store it in a file only you can read (${ctx.keys.filePath}, like --insecure-storage)`, value: 'file' },
      { name: 'Stop: do not store it', value: 'stop' },
    ]);
    if (answer === 'stop') throw new ExitError(EXIT.keyStore, 'Stopped; the key was not stored.');
    if (answer !== 'retry') return answer;
    const still = await ctx.keys.probeWritable();
    if (!still) return null;
    problem = still;
  }
}

/** What a key stage records of the key it stored (or of the person's own OPENAI_API_KEY line). */
/** `before`: what the store held for the profile just before the change (changeKey's snapshot). */
type KeyRecord = (profile: Profile, storage: Storage | 'env', before: KeySnapshot) => void;

/**
 * The person keeps the key in OPENAI_API_KEY from now on: the copy stored earlier goes (keychain
 * and file, as logout removes it), or token, run and the wizard would go on handing out the key
 * this one replaces; removed and recorded as one step. One that cannot be removed (in a keychain
 * out of reach here) stops this before anything changes: the record keeps saying where that key
 * is. (chooseKeychainFallback does not offer this choice then; this is the last guard.)
 */
async function removeStoredCopy(ctx: Context, profile: string, record: KeyRecord): Promise<void> {
  const store = ctx.keys.keychainDescription;
  const recorded = (await ctx.state.read()).profiles[profile]?.key;
  let stuck: KeyStoreError | null = null;
  let removed;
  try {
    removed = await changeKey(
      ctx,
      profile,
      async () => {
        const removed = await ctx.keys.delete(profile);
        if (removed.keychainError && recorded?.storage === 'keychain' && !removed.keychain) {
          stuck = new KeyStoreError(
            `${describeKeychainProblem(removed.keychainError, store)} The key stored for profile "${profile}" (${recorded.hint}) is kept there and could not be removed, so openai-setup would go on handing it out: the new key was not recorded.`,
            [`Where the keychain can be reached, remove it (\`${elsewhereCommand(ctx, 'logout', profile)}\`) and run this again.`],
          );
          throw stuck;
        }
        return removed;
      },
      (state, _removed, before) => record(profileIn(state, profile), 'env', before),
    );
  } catch (error) {
    // The copy in the file, if it went, is back: nothing changed.
    if (error instanceof KeyChangeError && error.failure === stuck && error.putBack !== 'failed') throw stuck;
    if (error instanceof KeyChangeError) {
      const hint = recorded && recorded.storage !== 'env' ? recorded.hint : 'the key stored earlier';
      throw await keyChangeFailure(ctx, error, { hint, account: profile, removing: true, again: [`Once that is fixed, run this again.`] });
    }
    throw error;
  }
  const old = recorded && recorded.storage !== 'env' ? recorded.hint : 'the key stored earlier';
  const places = [removed.keychain ? `the ${store}` : null, removed.file ? await ctx.keys.fileWords() : null].filter((p) => p !== null);
  if (places.length) ctx.term.out(`${marks(ctx.term.style).ok} Removed ${old} from ${places.join(' and ')}: openai-setup keeps no copy of a key for profile "${profile}" now.`);
}

/**
 * Store the key where it was decided and record it, as one step; a keychain that fails only now
 * (nothing stored) still gets the choice, asked with no lock held. Nothing is stored, removed or
 * recorded before the stage's last question is answered: a cancel at one leaves the stage to do,
 * and the key stored before where it was.
 */
async function storeKey(
  ctx: Context,
  profile: string,
  key: string,
  insecure: boolean,
  fallback: KeychainFallback | null,
  record: KeyRecord,
  advice: (insecure: boolean) => KeyAdvice,
  started: (storing: Promise<Storage> | 'env') => void,
): Promise<Storage | 'env'> {
  if (fallback === 'env') {
    const line = shellExportLine(shellDirsOf(ctx), null);
    ctx.term.out(`Add this line to ${line.file}, with your key in place of <your key>:`);
    // Whole whatever the width: a bare `export` on a line of its own in a startup file prints the environment.
    ctx.term.command(`  ${line.line}`);
    if (await ctx.prompter('').confirm('Show the line with the key in it? (it will be on your screen)', false)) {
      ctx.term.writeSecret(`  ${shellSetLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY', key)}\n`);
    }
    ctx.term.out(`Then ${line.reload} (programs started from there see the key).`);
    // Only now, the question answered: a Ctrl-C at it must not leave the stage done with a record
    // saying the person keeps a key they never added.
    started('env');
    await removeStoredCopy(ctx, profile, record);
    return 'env';
  }
  const toFile = insecure || fallback === 'file';
  try {
    const storing = changeKey(ctx, profile, () => ctx.keys.set(profile, key, toFile), (state, storage, before) => record(profileIn(state, profile), storage, before));
    // One begun after a signal never begins (its section never runs): only one begun before is waited for.
    if (!ctx.interrupts.leaving) started(storing);
    return await storing;
  } catch (error) {
    if (!(error instanceof KeyChangeError)) throw error;
    if (!toFile && error.step === 'change' && error.putBack !== 'failed' && error.failure instanceof KeychainUnavailableError) {
      return storeKey(ctx, profile, key, false, await chooseKeychainFallback(ctx, error.failure, profile, advice(true)), record, advice, started);
    }
    throw await storeFailure(ctx, profile, key, error, advice(toFile));
  }
}

/** A failed store of `key` as it is said; `again`: how to store it again as this run got it (storeAdvice: piped in again, or asked for where that works). */
function storeFailure(ctx: Context, profile: string, key: string, error: KeyChangeError, again: KeyAdvice): Promise<ExitError> {
  return keyChangeFailure(ctx, error, {
    hint: maskKey(key),
    account: profile,
    again: [`Once that is fixed, store the key again${again.how}:  ${again.command}`, `Or remove what is stored:  ${toolCommand(ctx, 'logout', profile)}`],
  });
}

type KeyAdvice = { command: string; how: string };

/**
 * `printenv OPENAI_API_KEY | key --stdin` with this run's options, so that the key is stored and
 * checked the same way: the example readKeyFromStdin's advice judges (a variable that is not set
 * is said, not piped).
 */
function pipeCommand(ctx: Context, options: KeyStageOptions): string {
  return `${pipeKeyCommand(ctx, options.profile, options.insecureStorage)}${options.verify === false ? ' --no-verify' : ''}${keyCheckFlags(options.check)}`;
}

/**
 * The way to store the key that works where it is printed (storeKeyAdvice), with this run's
 * options: a key that came on standard input piped in again the same way; else piped from
 * OPENAI_API_KEY when that holds a key, `key` asking for it where it would ask, or a pipe.
 */
function storeAdvice(ctx: Context, options: KeyStageOptions, pipedKey?: string): KeyAdvice {
  const { command, how } = storeKeyAdvice(ctx, options.profile, options.insecureStorage, options.check, pipedKey === undefined ? { piped: options.stdin } : { piped: options.stdin, pipedKey });
  return { command: `${command}${options.verify === false ? ' --no-verify' : ''}`, how };
}

/**
 * The same run with the key asked for instead of piped in (no --stdin): for when the pipe named
 * would give nothing; none where it would not ask either (keyPromptWorks).
 */
function promptCommand(ctx: Context, options: KeyStageOptions): string | undefined {
  return promptWhereItAsks(ctx, `${keyCommand(ctx, options.profile)}${options.insecureStorage ? ' --insecure-storage' : ''}${options.verify === false ? ' --no-verify' : ''}${keyCheckFlags(options.check)}`);
}

/**
 * The live check of a key this stage got, with this run's options for the `key` command its fix
 * names (CheckRequest.storeKey): the profile, the check flags, and --insecure-storage when the key
 * goes to the 0600 file (given, or chosen where the keychain cannot be used), or that command
 * would fail here without a keychain, or ask again where to put the key.
 */
function checkSettings(options: KeyStageOptions, fallback: KeychainFallback | null): CheckSettings {
  return { ...options.check, profile: options.profile, insecureStorage: Boolean(options.insecureStorage) || fallback === 'file' };
}

/** `officialApi`: false when the check goes to another (OpenAI-compatible) server, whose keys have other shapes. */
async function readKeyInteractively(ctx: Context, pipeHint: string, officialApi: boolean, stop: string): Promise<string | null> {
  const prompter = ctx.prompter(`Pipe the key in:  ${pipeHint}`);
  return readPastedKey(ctx, prompter, 'Paste your secret key (input is hidden):', (raw) => {
    const parsed = parseKey(raw, officialApi);
    return parsed.ok ? parsed : { ok: false, why: `That is not an API key: ${parsed.problem}` };
  }, stop);
}

/** A key this stage got and checked, as what follows its store says it. */
interface StoredKey {
  profileName: string;
  key: string;
  source: KeySource;
  check: CheckResult | undefined;
  /** Saved though its check could not finish. */
  unfinished: boolean;
  options: KeyStageOptions;
}

/** A line as the terminal says it: on stdout (out, say) or stderr (err). */
type Line = { to: 'out' | 'say' | 'err'; text: string };

/**
 * What a finished store says, the key's check recorded first (as a run left on a signal while it
 * stored the key says it too): where it was stored, what it replaced and that the old key still
 * works until it is revoked, files and OPENAI_API_KEY that still hold another key.
 */
async function storedLines(ctx: Context, { profileName, key, source, check, unfinished, options }: StoredKey, storage: Storage | 'env', old: Replaced[]): Promise<Line[]> {
  const m = marks(ctx.term.style);
  const lines: Line[] = [];
  if (check) await recordCheck(ctx, profileName, key, source, check, (text) => lines.push({ to: 'err', text }));
  if (storage === 'keychain') lines.push({ to: 'say', text: `${m.ok} Stored ${maskKey(key)} in the ${ctx.keys.keychainDescription} (service "openai-setup", account "${profileName}").` });
  else if (storage === 'file') lines.push({ to: 'out', text: `${m.warn} Stored ${maskKey(key)} in plain text in ${await ctx.keys.fileWords()} (mode 0600).` });
  // As with --no-verify, exit 0: the key may well work; the check that shows it is the next step.
  if (unfinished) lines.push({ to: 'say', text: `${m.warn} The check could not finish, so whether the key works is not known yet: check it later with \`${verifyCommand(ctx, profileName, options.check)}\`.` });
  await sayReplaced(ctx, profileName, key, old, (text) => lines.push({ to: 'say', text }));
  // Files `env --file` wrote for the profile that still hold another key: named, each with the
  // command that writes the new one there (nothing is changed in them here), as rotate does.
  const stale = await staleEnvFileCopies(ctx, profileName, key);
  for (const [path, held] of new Map(stale.map((f) => [f.path, maskKey(f.key)]))) {
    const { detail, fix } = await staleEnvFile(ctx, profileName, path, held, { justReplaced: true });
    lines.push({ to: 'out', text: `${m.warn} ${detail}; ${fix}` });
  }
  const held = envKeyHeld(ctx, options.check?.baseURL);
  if (held && held.key !== key && held.key === options.rejectedVariable && storage !== 'env') {
    // Read before the key just stored: that key is used once the variable holds it, or is unset (variableKeyFix's words).
    const { storeIn, instead } = variableKeyWords(ctx, 'other');
    lines.push({ to: 'err', text: `${m.warn} OPENAI_API_KEY in this shell still holds the key the API rejected above (${maskKey(held.key)}); programs that read it will use that one, not ${maskKey(key)}. Store ${maskKey(key)}${storeIn}.${instead}` });
  } else if (held && held.key !== key) {
    lines.push({ to: 'err', text: `${m.warn} OPENAI_API_KEY in this shell is a different key (${maskKey(held.key)}); programs that read it will use that one.` });
  } else if (held?.around) lines.push({ to: 'err', text: `${m.warn} ${heldWithMore('env', maskKey(key), held.around)}` });
  return lines;
}

export async function runKeyStage(ctx: Context, options: KeyStageOptions): Promise<KeyStageResult> {
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = options.profile;
  const interactive = !options.stdin;
  if (interactive) {
    if (!term.interactive) {
      // The pipe named must work here: without a keychain, into a file only the person can read.
      const problem = options.insecureStorage ? null : await ctx.keys.probeWritable();
      // A pipe of OPENAI_API_KEY only where it holds a key: a pipe of an unset one stores nothing.
      const { command, how } = storeAdvice(ctx, problem ? { ...options, insecureStorage: true } : options);
      const instead = problem ? `${describeKeychainProblem(problem, ctx.keys.keychainDescription)} ${how ? `Keep it in a file only you can read${how}` : 'Pipe it in, kept in a file only you can read'}` : how ? `Instead, store it${how}` : 'Pipe it in instead';
      throw new UsageError(needsPrompt(term, 'Pasting a key'), [`${instead}:  ${command}`]);
    }
    // From here to the prompt, a key pasted too early is neither echoed nor lost.
    ctx.prompter('').holdInput();
    heading(ctx, KEY_TITLE, options.position);
    if (options.keepable !== undefined) {
      const keep = await ctx.prompter('').select<'keep' | 'replace'>(`The key stored for profile "${profileName}" (${options.keepable}) works. Keep it?`, [
        { name: `Keep ${options.keepable}`, value: 'keep' },
        { name: 'Replace it with a new key', value: 'replace' },
      ]);
      const still = keep === 'keep' ? ((await options.stillStored?.()) ?? 'stored') : null;
      if (still === 'stored' || still === 'replaced') {
        await markDone(ctx, profileName, 'key');
        if (still === 'stored') term.out(`${m.ok} Kept ${options.keepable}.`);
        return { outcome: 'done' };
      }
    }
    term.say(
      'On the API keys page: "Create new secret key". Owned by "You" makes a key that acts as you; "Service account" makes one tied to the project instead of a person (for a server). Pick the project: projects are where budgets and key permissions live, and "Default project" is fine to start. Keep permissions "All", name the key (e.g. after this machine) and copy it: it is shown only once.',
    );
    term.say(
      'Your first key may ask you to verify a phone number first. Some newer models also need organization verification, an ID check on the organization settings page: you can do it later, when a model asks for it.',
    );
    await showPage(ctx, 'keys');
  }
  // The shape a key must have depends on where it is checked: the one --base-url / OPENAI_BASE_URL names.
  const officialApi = isOfficialBaseURL(resolveBaseURL(ctx, options.check?.baseURL));
  // A pipe is read and what came is checked first: a terminal on stdin, nothing piped or no key
  // in it is said before anything else happens (a keychain problem included).
  let piped: string | undefined;
  if (options.stdin) {
    const advised = (these: KeyStageOptions) => [pipeCommand(ctx, these), { env: ctx.rawEnv, prompt: promptCommand(ctx, these) }] as const;
    const text = await readKeyFromStdin(() => ctx.readStdin(), ...advised(options)).catch(async (error: unknown) => {
      // Nothing came: the commands named keep the key in the file where no keychain answers (a
      // read, asked only now), as without --insecure-storage they would exit 7 there.
      if (!(error instanceof StdinError) || options.insecureStorage || !(await keyNeedsFile(ctx, profileName))) throw error;
      throw new StdinError(error.problem, ...advised({ ...options, insecureStorage: true }));
    });
    // As at the prompt: the first line alone would be part of a key.
    if (hasLineBreakInside(text)) throw new ExitError(EXIT.keyRejected, `That is not an API key: ${LINE_BREAK_INSIDE}.`);
    const parsed = parseKey(text, officialApi);
    if (!parsed.ok) throw new ExitError(EXIT.keyRejected, `That is not an API key: ${parsed.problem}.`);
    piped = parsed.key;
  }
  // Find out now, not after the key is pasted and checked, whether the keychain can take it.
  let fallback: KeychainFallback | null = null;
  if (!options.insecureStorage) {
    const problem = await ctx.keys.probeWritable();
    if (problem) fallback = await chooseKeychainFallback(ctx, problem, profileName, storeAdvice(ctx, { ...options, insecureStorage: true }, piped));
  }

  // Where the key goes, when that is not OpenAI's: said before it is pasted, not only after.
  if (piped === undefined && options.verify !== false) {
    const elsewhere = otherHostNoticeOnce(ctx, 'key', resolveBaseURL(ctx, options.check?.baseURL), baseURLOrigin(ctx, options.check?.baseURL), true);
    if (elsewhere) term.err(`${m.warn} ${elsewhere}`);
  }

  for (;;) {
    let key: string;
    let source: KeySource;
    if (piped !== undefined) {
      key = piped;
      source = KEY_SOURCE_STDIN;
    } else {
      const pasted = await readKeyInteractively(ctx, pipeCommand(ctx, options), officialApi, options.stop ?? 'stop without storing a key');
      if (pasted === null) return { outcome: 'skipped' };
      key = pasted;
      source = KEY_SOURCE_PASTED;
    }
    term.addSecret(key);

    let check: CheckResult | undefined;
    // "Save this key anyway" after a check that could not finish: stored, and how to check it later said.
    let unfinished = false;
    if (options.verify !== false) {
      const request = buildCheckRequest(ctx, key, checkSettings(options, fallback));
      check = await runCheck(ctx, request);
      printCheck(term, key, source, check, term.out, request.baseURL);
      // Recorded once the key is stored: a key that is not must not take the stored key's record.
    }
    // A key without credits, or one refused for something around it (its permissions, the
    // region...), is still the right key: store it, and let that be fixed.
    if (check && !outcomeRow(check).keepKey) {
      const route = outcomeRow(check).route;
      if (!term.interactive || options.stdin) {
        // The check could not finish: storing it unchecked is this run again with --no-verify, as it works here.
        const unchecked = storeAdvice(ctx, { ...options, verify: false, insecureStorage: Boolean(options.insecureStorage) || fallback === 'file' }, piped);
        throw new ExitError(check.exitCode, 'The key was not stored.', route === 'retry' ? [`To store it without the live check${unchecked.how}:  ${unchecked.command}`] : []);
      }
      const prompter = ctx.prompter('');
      const answer =
        route === 'retry'
          ? await prompter.select<'again' | 'recheck' | 'save' | 'stop'>('What now?', [
              { name: 'Check again', value: 'recheck' },
              { name: 'Paste a different key', value: 'again' },
              { name: 'Save this key anyway (the check could not finish; it may work)', value: 'save' },
              { name: 'Stop without saving', value: 'stop' },
            ])
          : // The API said this key will not work: no offer to keep it.
            await prompter.select<'again' | 'stop'>('What now?', [
              { name: 'Paste a different key', value: 'again' },
              { name: 'Stop without saving', value: 'stop' },
            ]);
      if (answer === 'stop') throw new ExitError(check.exitCode, 'Stopped; the key was not stored.');
      if (answer === 'again') continue;
      unfinished = answer === 'save';
      if (answer === 'recheck') {
        // Same key, new check: loop without asking for it again.
        const request = buildCheckRequest(ctx, key, checkSettings(options, fallback));
        const again = await runCheck(ctx, request);
        printCheck(term, key, source, again, term.out, request.baseURL);
        check = again;
        if (!outcomeRow(again).keepKey) {
          if (outcomeRow(again).route !== 'retry') throw new ExitError(again.exitCode, 'The key was not stored.');
          term.out(`Still failing; you can save it anyway and check later with \`${verifyCommand(ctx, profileName, options.check)}\`.`);
          const save = await prompter.confirm('Save this key anyway?', false);
          if (!save) throw new ExitError(again.exitCode, 'Stopped; the key was not stored.');
        }
      }
    }

    // Say what a new key replaces: the old one works until it is revoked, as far as its last check
    // tells (read before this key's check is recorded over it). Known by its record,
    // and by what the store held just before (read as the key is stored): without a record (a
    // damaged progress file moved aside took it) that is what the new key replaced.
    const replacing: { old: Replaced[] } = { old: [] };
    const stored: StoredKey = { profileName, key, source, check, unfinished, options };
    // A signal while the key is stored waits for the store (a section), and the run then goes no
    // further here (step): what the store came to (the key stored, what it replaced, its check
    // recorded) is said by this undo, as a finished run says it, once the store has ended.
    let storing: Promise<Storage> | null = null;
    const noUndo = ctx.interrupts.onCancel({
      run: async () => {
        if (!storing) return 'The key was not stored.';
        let storage: Storage;
        try {
          storage = await storing;
        } catch (error) {
          if (!(error instanceof KeyChangeError)) return `${m.warn} The key was not stored: ${error instanceof Error ? error.message : String(error)}`;
          // Given up as the run left, or failed before anything changed: leaving says that nothing was changed (Interrupts.section).
          if (error.putBack === 'untouched' && (error.step === 'start' || error.failure instanceof KeychainCallGivenUpError)) return '';
          const failure = await storeFailure(ctx, profileName, key, error, storeAdvice(ctx, options, piped));
          return [`${m.warn} ${failure.message}`, ...failure.hints.map((hint) => `  ${hint}`)].join('\n');
        }
        return (await storedLines(ctx, stored, storage, replacing.old)).map((line) => line.text).join('\n');
      },
      left: () => `${maskKey(key)} may be stored for profile "${profileName}", and a key it replaced still works until you revoke it: \`${toolCommand(ctx, 'doctor', profileName)}\` says which key is stored.`,
    });
    let storage: Storage | 'env';
    try {
      // Stored and recorded as one step: a key is never stored that the progress file does not record.
      storage = await storeKey(
        ctx,
        profileName,
        key,
        Boolean(options.insecureStorage),
        fallback,
        (p, storage, held) => {
          replacing.old = replaceKeyRecord(p, { storage, hint: maskKey(key), savedAt: ctx.clock.now().toISOString() }, held, ctx.state.path, 'key');
          p.stages.key = { doneAt: ctx.clock.now().toISOString() };
        },
        (insecure) => storeAdvice(ctx, { ...options, insecureStorage: insecure }, piped),
        // The person's own OPENAI_API_KEY line: removeStoredCopy says what it removed as it goes.
        (begun) => (begun === 'env' ? noUndo() : (storing = begun)),
      );
      // Stored as the run leaves: the undo says so. (A failure is handed on: it is what the undo says too.)
      if (ctx.interrupts.leaving) await new Promise<never>(() => {});
      // Said all at once: a signal comes before any of it is said (the undo says it all) or after.
      const lines = await ctx.interrupts.step(() => storedLines(ctx, stored, storage, replacing.old));
      for (const line of lines) term[line.to](line.text);
    } finally {
      noUndo();
    }
    return { outcome: 'done', storage, check, key, source };
  }
}

