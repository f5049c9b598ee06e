// `openai-setup admin-key`: store an organization admin key (sk-admin-…) next to the profile's key,
// in its own keychain entry, after a live check that lists one project (for rotate) and reads
// today's costs (for spend). rotate and spend use it.
import * as z from 'zod/mini';
import { adminAuth } from '../admin-auth.js';
import { otherHostNoticeOnce } from '../api/check.js';
import { AdminApiError, cannotUse, missingScopeFix, needsAdminKeyFix } from '../api/admin-failure.js';
import { otherServer } from '../api/diagnosis.js';
import { cannotServe, probeAdminKey, ROTATE_NEEDS, type AdminProbe } from '../api/admin-probe.js';
import type { AdminProject } from '../api/types.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, OUTCOME_FIELDS, ReasonedExitError, UsageError } from '../errors.js';
import { adminKeyProblem, keyKind, keyKindLabel, maskKey, parseKey } from '../keys/format.js';
import { baseURLOrigin, PAGES, resolveBaseURL } from '../platform.js';
import { heading, showPage } from '../stages/page.js';
import { readPastedKey } from '../stages/paste.js';
import { adminAccount, adminKeyNeedsFile, envAdminKey } from '../storage/admin-key.js';
import { changeKey, KeyChangeError, keyChangeFailure } from '../storage/key-change.js';
import { describeKeychainProblem, KeychainCallGivenUpError, KeychainUnavailableError } from '../storage/keychain.js';
import type { Storage } from '../storage/keystore.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { profileIn, type Profile } from '../storage/state.js';
import { adminKeyCommand, pipeAdminKeyCommand, promptWhereItAsks, storeAdminKeyAdvice, toolCommand } from '../terminal/advice.js';
import { marks, needsPrompt, withFailureDocument } from '../terminal/output.js';
import { jsonText, sanitize } from '../terminal/sanitize.js';
import { readKeyFromStdin, StdinError } from '../terminal/stdin.js';

export interface AdminKeyOptions {
  profile?: string;
  stdin: boolean;
  insecureStorage: boolean;
  verify: boolean;
  json: boolean;
}

/**
 * The --json contract, on success and on failure alike (ok false, the exit code, a short `reason`,
 * the `message` printed on stderr and its `fix`); `hint` is null when no key was read.
 */
export const AdminKeyJsonSchema = z.object({
  ...OUTCOME_FIELDS,
  /** Null when it could not be told (a bad --profile or OPENAI_SETUP_PROFILE). */
  profile: z.nullable(z.string()),
  hint: z.nullable(z.string()),
  storage: z.nullable(z.enum(['keychain', 'file'])),
  checked: z.boolean(),
  sampleProject: z.nullable(z.object({ id: z.string(), name: z.nullable(z.string()) })),
  /** Permissions the check found the stored key without (it is stored when rotate or spend can use it); empty otherwise. */
  missingScopes: z.array(z.string()),
  /** The hint of the admin key this one replaced (it still works until revoked on the admin keys page); null when none. */
  replaced: z.nullable(z.string()),
});
export type AdminKeyJson = z.infer<typeof AdminKeyJsonSchema>;

/**
 * Where this run cannot ask: the way that works here (storeAdminKeyAdvice), with this run's
 * options, as the key stage says it. `keychain`: the keychain's problem when it was probed and
 * fails, as `key` says it: the command named keeps the key in the 0600 file instead.
 */
function pipeHint(ctx: Context, profile: string, options: AdminKeyOptions, keychain: KeychainUnavailableError | null = null): string {
  const flags = [options.insecureStorage || keychain ? '--insecure-storage' : '', options.verify ? '' : '--no-verify'].filter(Boolean).join(' ');
  const { command, how } = storeAdminKeyAdvice(ctx, profile, flags);
  if (keychain) return `${describeKeychainProblem(keychain, ctx.keys.keychainDescription)} ${how ? `Keep it in a file only you can read${how}` : 'Pipe it in, kept in a file only you can read'}:  ${command}`;
  return `${how ? `Instead, store it${how}` : 'Pipe it in instead'}:  ${command}`;
}

/**
 * This run again as it works here (storeAdminKeyAdvice: the key piped in again when it came from a
 * pipe), with --insecure-storage when `insecure`; `how`, said before it.
 */
function storeAgain(ctx: Context, profile: string, options: AdminKeyOptions, insecure: boolean, key: string): { command: string; how: string } {
  const flags = [insecure ? '--insecure-storage' : '', options.verify ? '' : '--no-verify'].filter(Boolean).join(' ');
  return storeAdminKeyAdvice(ctx, profile, flags, { piped: options.stdin, pipedKey: key });
}

/** This run's options for storing another admin key: --insecure-storage and --no-verify as given. */
function newKeyFlags(options: AdminKeyOptions): string {
  return [options.insecureStorage ? '--insecure-storage' : '', options.verify ? '' : '--no-verify'].filter(Boolean).join(' ');
}

/**
 * Storing another admin key (this one is none, or lacks a permission) as it works here
 * (storeAdminKeyAdvice), with this run's options: a new key, so not "piped in again", nor from
 * OPENAI_ADMIN_KEY when that is this key; and with --insecure-storage where no keychain answers (a
 * read: no prompt), as without it the command named would exit 7 there.
 */
async function storeNewKey(ctx: Context, profile: string, options: AdminKeyOptions, key: string): Promise<{ command: string; how: string }> {
  const insecure = options.insecureStorage || (await adminKeyNeedsFile(ctx, profile));
  return storeAdminKeyAdvice(ctx, profile, newKeyFlags({ ...options, insecureStorage: insecure }), { variableFailed: envAdminKey(ctx) === key });
}

async function readAdminKey(ctx: Context, profile: string, options: AdminKeyOptions): Promise<string> {
  if (options.stdin) {
    // The prompt is offered only where it would ask: else this run's pipe itself; both with this
    // run's options (without its --insecure-storage, either would fail where there is no keychain).
    const advised = (flags: string) => [pipeAdminKeyCommand(ctx, profile, flags), { env: ctx.rawEnv, prompt: promptWhereItAsks(ctx, adminKeyCommand(ctx, profile, flags)) }] as const;
    try {
      return await readKeyFromStdin(() => ctx.readStdin(), ...advised(newKeyFlags(options)));
    } catch (error) {
      // Nothing came: the commands named keep the key in the file where no keychain answers (a
      // read, asked only now), as without --insecure-storage they would exit 7 there.
      if (!(error instanceof StdinError) || options.insecureStorage || !(await adminKeyNeedsFile(ctx, profile))) throw error;
      throw new StdinError(error.problem, ...advised(newKeyFlags({ ...options, insecureStorage: true })));
    }
  }
  if (!ctx.term.interactive) {
    // The pipe named must work here: without a keychain, into a file only the person can read (as `key`).
    const problem = options.insecureStorage ? null : await ctx.keys.probeWritable();
    throw new UsageError(needsPrompt(ctx.term, 'Pasting an admin key'), [pipeHint(ctx, profile, options, problem)]);
  }
  // Where the check sends the key, when that is not OpenAI's: said before it is given, not only before it goes.
  const elsewhere = options.verify ? otherHostNoticeOnce(ctx, 'admin', resolveBaseURL(ctx), baseURLOrigin(ctx)) : null;
  if (elsewhere) ctx.term.err(`${marks(ctx.term.style).warn} ${elsewhere}`);
  const prompter = ctx.prompter(pipeHint(ctx, profile, options));
  const fromEnv = envAdminKey(ctx);
  // Offered only as what it must be: anything else would be refused.
  if (fromEnv && !adminKeyProblem(fromEnv) && (await prompter.confirm(`Store OPENAI_ADMIN_KEY from this shell (${maskKey(fromEnv)}) as the admin key of profile "${profile}"?`, true))) return fromEnv;
  heading(ctx, 'Store an organization admin key');
  ctx.term.say(
    'An admin key manages the organization (projects, service accounts, keys, costs); it cannot call models. Only organization owners can create one. On the admin keys page: "Create new admin key", name it, keep the permissions "All" (rotate needs to write service accounts and keys, spend to read usage), and copy it: it is shown only once.',
  );
  await showPage(ctx, 'admin-keys');
  const pasted = await readPastedKey(
    ctx,
    prompter,
    'Paste the admin key (input is hidden):',
    (raw) => {
      // An admin key is OpenAI's only: another service's key is no admin key anywhere.
      const parsed = parseKey(raw, true, 'none', 'admin');
      if (!parsed.ok) return { ok: false, why: `That is not an admin key: ${parsed.problem}` };
      if (parsed.shape.kind !== 'admin') return { ok: false, why: `That is a ${keyKindLabel(parsed.shape.kind)}, not an admin key (those start with "sk-admin-")` };
      return parsed;
    },
    // Someone who is no organization owner (no admin key to create) must not be kept here.
    'stop without storing an admin key',
  );
  // No admin key given, as `admin-key --stdin` with nothing piped (and as `key` stopped at its prompt).
  if (pasted === null) throw new ExitError(EXIT.usage, 'Stopped; nothing was stored.');
  return pasted;
}

export async function run(ctx: Context, options: AdminKeyOptions): Promise<number> {
  // Null in the document until the profile is told (a bad --profile or OPENAI_SETUP_PROFILE is a failure too).
  let profile: string | null = null;
  const done: Done = { hint: null, checked: false, sampleProject: null, missingScopes: [], storage: null, replaced: null };
  return withFailureDocument(ctx, options.json, async () => storeAdminKey(ctx, options, (profile = await resolveProfileName(ctx, options.profile)), done), (failed) => {
    const json: AdminKeyJson = { ...failed, profile, hint: done.hint, storage: done.storage, checked: done.checked, sampleProject: done.sampleProject, missingScopes: done.missingScopes, replaced: done.replaced };
    return jsonText(AdminKeyJsonSchema.parse(json));
  });
}

/** What a run has found so far, for the --json document of a failure. */
interface Done {
  hint: string | null;
  /** The live check was made (whatever it found). */
  checked: boolean;
  /** The project the check listed, once it answered. */
  sampleProject: AdminKeyJson['sampleProject'];
  /** The permissions the check found the key without: as its failure names them, or those a key it found working lacks. */
  missingScopes: string[];
  /** Where the key was stored and recorded: what the document of a run left on a signal then says (the store is a section it waits for). */
  storage: Storage | null;
  /** The admin key replaced, once the new one is stored in its place. */
  replaced: string | null;
}

// What each command needs of the admin key (the Admin API's scopes): rotate lists projects and
// keys (read) and creates service accounts and deletes keys (write); spend reads costs, and names
// projects only when it may list them.
/** Which commands the key was not found unable to serve, and the permissions it was found without. */
interface Capabilities {
  rotate: boolean;
  spend: boolean;
  missing: string[];
  /** Permissions rotate needs that the check could not show (AdminProbe.unproven): rotate checks them when it runs. */
  unproven: string[];
  /** How to have it serve both, when it cannot. */
  fix: string | null;
}

/**
 * The live check: list one project (what rotate needs, api.management.read) and read today's costs
 * (what spend needs, api.usage.read). A real admin key without one of them is still stored, with
 * what works and what does not said; without both, or rejected, or no admin key, it is not.
 */
async function checkAdminKey(ctx: Context, profile: string, key: string, say: (text: string) => void, options: AdminKeyOptions): Promise<{ can: Capabilities; sample: AdminProject | null }> {
  const { term } = ctx;
  const m = marks(term.style);
  const hint = maskKey(key);
  const auth = await adminAuth(ctx, profile, key, undefined, newKeyFlags(options));
  const spinner = term.spinner("Checking the admin key (listing one project, reading today's costs)…");
  let probe: AdminProbe;
  try {
    probe = await probeAdminKey(ctx.api.admin, auth, ctx.clock.now());
  } catch (error) {
    // The same error (its kind is the --json reason), with one more line.
    if (error instanceof ExitError) error.hints.push('The admin key was not stored.');
    throw error;
  } finally {
    spinner.stop();
  }

  const { sample, missing } = probe;
  const fix = async (what: string) => missingScopeFix(what, await storeNewKey(ctx, profile, options, key), true);
  // A key that works at another server works there: said where.
  const other = otherServer(auth.baseURL);
  const at = other === null ? '' : ` (at ${sanitize(other, 200)}, not the OpenAI API)`;
  if (!probe.rotate) {
    say(`${m.ok} Admin key ${hint} works for spend${at}: it can read the organization's costs.`);
    const both = await fix(ROTATE_NEEDS.scopes.join(' and '));
    term.err(`${m.warn} It lacks the permission ${missing.join(', ')}: ${cannotUse(ROTATE_NEEDS)}, and spend shows project ids without names. ${both}`);
    return { can: { rotate: false, spend: true, missing, fix: both, unproven: [] }, sample };
  }
  // A parenthesis either way: the sentence goes on after it ("and read its costs").
  const example = sample ? ` (for example ${sample.name ? `"${sample.name}", ` : ''}${sample.id})` : ' (there are none yet)';
  if (probe.spend && !probe.costsUnknown) {
    say(`${m.ok} Admin key ${hint} works${at}: it can list the organization's projects${example} and read its costs.`);
    return { can: { rotate: true, spend: true, missing: [], fix: null, unproven: probe.unproven }, sample };
  }
  say(`${m.ok} Admin key ${hint} works${at}: it can list the organization's projects${example}.`);
  if (probe.costsUnknown) {
    term.err(`${m.warn} Whether spend can use it was not checked: ${probe.costsUnknown.message}`);
    return { can: { rotate: true, spend: true, missing: [], fix: null, unproven: probe.unproven }, sample };
  }
  const one = await fix('that permission');
  term.err(`${m.warn} It lacks the permission ${missing.join(', ')}: spend cannot use it (spend needs it to read the organization's costs). ${one}`);
  return { can: { rotate: true, spend: false, missing, fix: one, unproven: probe.unproven }, sample };
}

/** A failed store of the admin key `hint` as it is said. */
async function storeFailure(ctx: Context, profile: string, options: AdminKeyOptions, key: string, hint: string, account: string, error: KeyChangeError): Promise<ExitError> {
  if (error.failure instanceof KeychainUnavailableError && error.putBack !== 'failed') {
    const toFile = storeAgain(ctx, profile, options, true, key);
    return new KeyStoreError(`${describeKeychainProblem(error.failure, ctx.keys.keychainDescription)} The admin key was not stored.`, [
      `Set OPENAI_ADMIN_KEY yourself, or keep it in a file only you can read${toFile.how}:  ${toFile.command}`,
    ]);
  }
  const again = storeAgain(ctx, profile, options, options.insecureStorage, key);
  return keyChangeFailure(ctx, error, {
    hint: `the admin key ${hint}`,
    account,
    again: [`Once that is fixed, store it again${again.how}:  ${again.command}`, `Or remove what is stored:  ${toolCommand(ctx, 'logout --admin', profile)}`],
  });
}

/**
 * What a finished store of the admin key says (as a run left on a signal while it stored the key
 * says it too): where it was stored (`record`: the profile as recorded, next to its key), what it
 * replaced (`before`'s) and that that key still works until it is revoked, and OPENAI_ADMIN_KEY
 * holding another. `err`: on stderr; else where the run says its lines. `named`: the key named
 * ("Stored the admin key …"), where no line before says which key "it" is (after "Cancelled.").
 */
async function storedLines(ctx: Context, profile: string, hint: string, storage: Storage, record: Profile | undefined, before: { hint: string } | null, key: string, named = false): Promise<Array<{ to: 'say' | 'err'; text: string }>> {
  const it = named ? `the admin key ${hint}` : 'it';
  const m = marks(ctx.term.style);
  const lines: Array<{ to: 'say' | 'err'; text: string }> = [];
  // "Next to the key" only when there is one: the profile may have none stored yet.
  const nextTo = record?.key && record.key.storage !== 'env' ? `, next to the key of profile "${profile}"` : '';
  if (storage === 'keychain') {
    lines.push({ to: 'say', text: `${m.ok} Stored ${it} in the ${ctx.keys.keychainDescription} (service "openai-setup", account "${adminAccount(profile)}")${nextTo}.` });
  } else {
    lines.push({ to: 'say', text: `${m.warn} Stored ${it} in plain text in ${await ctx.keys.fileWords()} (mode 0600).` });
  }
  if (before && before.hint !== hint) {
    lines.push({ to: 'say', text: `${m.warn} This replaces the admin key ${before.hint} of profile "${profile}". That key still works until you revoke it on the admin keys page: ${PAGES['admin-keys'].url}` });
  }
  const fromEnv = envAdminKey(ctx);
  if (fromEnv && fromEnv !== key) {
    lines.push({ to: 'err', text: `${m.warn} OPENAI_ADMIN_KEY in this shell is another admin key (${maskKey(fromEnv)}): rotate and spend use that one while it is set.` });
  }
  return lines;
}

async function storeAdminKey(ctx: Context, options: AdminKeyOptions, profile: string, done: Done): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  // With --json, stdout is the JSON alone.
  const say = options.json ? term.err : term.out;
  // Before the key is asked for and checked: a progress file this build cannot change would refuse to record it after all (exit 7).
  await ctx.state.assertChangeable();
  // An admin key stored already is not replaced unasked on a terminal (as `key` asks before a
  // working key is replaced), keeping it the default; a pipe (--stdin) replaces it, as documented.
  const before = (await ctx.state.read()).profiles[profile]?.adminKey ?? null;
  if (before && !options.stdin && term.interactive) {
    const question = `An admin key is stored for profile "${profile}" (${before.hint}). Replace it? (it keeps working until you revoke it on the admin keys page)`;
    if (!(await ctx.prompter(pipeHint(ctx, profile, options)).confirm(question, false))) {
      say(`${m.ok} Kept the admin key ${before.hint}; nothing was changed.`);
      if (options.json) {
        const json: AdminKeyJson = { ok: true, exitCode: EXIT.ok, reason: 'declined', message: `Kept the admin key ${before.hint}; nothing was changed.`, fix: null, profile, hint: before.hint, storage: before.storage, checked: false, sampleProject: null, missingScopes: [], replaced: null };
        term.document(jsonText(AdminKeyJsonSchema.parse(json)));
      }
      return EXIT.ok;
    }
  }
  const parsed = parseKey(await readAdminKey(ctx, profile, options), true, 'none', 'admin');
  if (!parsed.ok) throw new ExitError(EXIT.keyRejected, `That is not an admin key: ${parsed.problem}.`);
  const key = parsed.key;
  term.addSecret(key);
  const hint = maskKey(key);
  done.hint = hint;
  const kind = keyKind(key);
  // Only an admin key is sent or stored as one: rotate and spend refuse anything else stored.
  if (kind !== 'admin') {
    throw new ReasonedExitError(EXIT.forbidden, `This needs an admin key: ${hint} is a ${keyKindLabel(kind)}. It was not sent, and nothing was stored.`, [needsAdminKeyFix(await storeNewKey(ctx, profile, options, key)), `→ ${PAGES['admin-keys'].url}`], 'needs_admin_key');
  }

  let sample: AdminProject | null = null;
  // Unchecked (--no-verify): for both, as far as is known.
  let can: Capabilities = { rotate: true, spend: true, missing: [], fix: null, unproven: [] };
  if (options.verify) {
    done.checked = true;
    ({ can, sample } = await checkAdminKey(ctx, profile, key, say, options).catch((error: unknown) => {
      // A key refused for its permissions: those its message names, in the --json document too.
      if (error instanceof AdminApiError) done.missingScopes = error.scopes;
      throw error;
    }));
    // Known now, should the run be left on a signal while the key is stored.
    done.sampleProject = sample ? { id: sample.id, name: sample.name } : null;
    done.missingScopes = can.missing;
  }

  // Stored and recorded as one step: a key is never stored that the progress file does not record.
  let storage: Storage;
  let record: Profile | undefined;
  const account = adminAccount(profile);
  // A signal while the key is stored waits for the store (a section), and the run then goes no
  // further here (step): what the store came to is said by this undo, as a finished run says it,
  // once the store has ended (a --json run's document says it too: done.storage).
  let storing: Promise<Storage> | null = null;
  const noUndo = ctx.interrupts.onCancel({
    run: async () => {
      try {
        const storage = await storing!;
        return (await storedLines(ctx, profile, hint, storage, record, before, key, true)).map((line) => line.text).join('\n');
      } catch (error) {
        if (!(error instanceof KeyChangeError)) return `${m.warn} The admin key ${hint} was not stored: ${error instanceof Error ? error.message : String(error)}`;
        // Given up as the run left, or failed before anything changed: leaving says that nothing was changed (Interrupts.section).
        if (error.putBack === 'untouched' && (error.step === 'start' || error.failure instanceof KeychainCallGivenUpError)) return '';
        const failure = await storeFailure(ctx, profile, options, key, hint, account, error);
        return [`${m.warn} ${failure.message}`, ...failure.hints.map((line) => `  ${line}`)].join('\n');
      }
    },
    left: () => `The admin key ${hint} may be stored for profile "${profile}"${before && before.hint !== hint ? ` in place of ${before.hint}, which still works until you revoke it on the admin keys page: ${PAGES['admin-keys'].url}` : ''}.`,
  });
  try {
    storing = changeKey(
      ctx,
      account,
      () => ctx.keys.set(account, key, options.insecureStorage),
      (state, storage) => {
        record = profileIn(state, profile);
        // What the check found it cannot serve, for status and doctor to say (absent: both, or not checked).
        const cannot = cannotServe(can);
        record.adminKey = { storage, hint, savedAt: ctx.clock.now().toISOString(), ...(cannot ? { cannot } : {}) };
        done.storage = storage;
        // What `key` says of a key it replaces: the old admin key still works until it is revoked.
        done.replaced = before && before.hint !== hint ? before.hint : null;
      },
    );
    storage = await storing;
    // Stored as the run leaves: the undo says so. (A failure is handed on: it is what the undo says too.)
    if (ctx.interrupts.leaving) await new Promise<never>(() => {});
  } catch (error) {
    // Other than a KeyChangeError only once stored and recorded (changeKey).
    if (!(error instanceof KeyChangeError)) throw error;
    // Not recorded after all (the write of the record failed): not said as stored.
    done.storage = null;
    done.replaced = null;
    const failure = await storeFailure(ctx, profile, options, key, hint, account, error);
    noUndo();
    throw failure;
  }
  // Said all at once: a signal comes before any of it is said (the undo says it all) or after.
  const lines = await ctx.interrupts.step(() => storedLines(ctx, profile, hint, storage, record, before, key));
  for (const line of lines) (line.to === 'err' ? term.err : say)(line.text);
  noUndo();
  const replaced = done.replaced;
  // Only the commands it was not found unable to serve. What rotate writes with (creating a service
  // account) no check shows without changing the organization: said, never promised.
  const rotate = `\`${toolCommand(ctx, 'rotate', profile)}\``;
  const spend = `\`${toolCommand(ctx, 'spend', profile)}\``;
  const removes = `\`${toolCommand(ctx, 'logout --admin', profile)}\` removes it.`;
  const writeUnchecked = can.rotate && can.unproven.length > 0 ? `also needs ${can.unproven.join(', ')}, which is checked when it runs` : null;
  const users = [can.rotate ? rotate : '', can.spend ? spend : ''].filter(Boolean);
  const uses =
    writeUnchecked === null
      ? `${users.join(' and ')} ${users.length > 1 ? 'use' : 'uses'} it from now on; ${removes}`
      : can.spend
        ? `${spend} uses it from now on; ${rotate} uses it too, but ${writeUnchecked}; ${removes}`
        : `${rotate} uses it from now on, but ${writeUnchecked}; ${removes}`;
  if (options.json) {
    const json: AdminKeyJson = {
      ok: true,
      exitCode: EXIT.ok,
      reason: null,
      message: `Stored the admin key ${hint}.${can.missing.length ? ` It lacks ${can.missing.join(', ')}: ${can.rotate ? 'spend' : 'rotate'} cannot use it.` : ''}${writeUnchecked ? ` rotate ${writeUnchecked}.` : ''}`,
      fix: can.fix,
      profile,
      hint,
      storage,
      checked: options.verify,
      sampleProject: done.sampleProject,
      missingScopes: can.missing,
      replaced,
    };
    term.document(jsonText(AdminKeyJsonSchema.parse(json)));
  } else {
    say(uses);
  }
  return EXIT.ok;
}
