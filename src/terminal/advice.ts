// The commands of the tool that its advice recommends, built in one place so that each works as
// printed: started as this person started the tool (AdviceScope.commandName), with --profile unless
// a command typed without it acts on that profile anyway (profileFlagFor), and the live-check
// options of this run repeated where a check would otherwise go elsewhere. storage/ and api/ say
// what is wrong; the command lines in what they say come from here, with the run's scope handed to
// them as data where they have no Context (adviceScope, carried by an AdminAuth). Texts that still
// name the tool `openai-setup` before a command (api/diagnosis.ts's fixes) rely on the terminal's
// rewrite (invocation.ts, adviceFor); headings are left as they are.
import { adminKeyProblem, checkKeyShape } from '../keys/format.js';
import { envAdminKey } from '../options.js';
import { baseURLForAdvice, isOfficialBaseURL, judgedAsOfficial, OFFICIAL_API_BASE_URL, PAGES, projectPageUrl } from '../platform.js';
import type { PendingAccount, PendingRevoke } from '../storage/admin-state.js';
import { billingChoiceOf, type State } from '../storage/state.js';
import { profileFlag } from './invocation.js';
import { CURSORLESS_TERMINAL, cursorless, PROMPTS_TURNED_OFF, promptsTurnedOff } from './output.js';
import { withoutCredentials } from './sanitize.js';
import { shellWord } from './shell.js';

/**
 * Whom advice is for, and how they type it: the tool as the person started it (Context.commandName),
 * and the profile a command typed without --profile acts on where it is typed (Context.bareProfile,
 * learnt by resolveProfileName). A Context is one; an AdminAuth carries one to api/, which has none.
 */
export interface AdviceScope {
  readonly commandName: string;
  readonly bareProfile?: string;
}

/** profileFlag for a command recommended in this run (`scope`: the Context, or an AdminAuth made from it). */
export function profileFlagFor(scope: Pick<AdviceScope, 'bareProfile'>, profile: string | undefined): string {
  return profileFlag(profile, scope.bareProfile);
}

/** A run's scope as data, for what carries it where there is no Context (an AdminAuth). */
export function adviceScope(ctx: AdviceScope): AdviceScope {
  return ctx.bareProfile === undefined ? { commandName: ctx.commandName } : { commandName: ctx.commandName, bareProfile: ctx.bareProfile };
}

/**
 * The bare profile of commands that go into files and other tools' settings, to run in other
 * shells, where OPENAI_SETUP_PROFILE may not be what it is here: the default chosen with `use`,
 * and only when no variable overrides it in this shell either; else unknown (--profile always named).
 */
export function lastingBareProfile(ctx: Pick<AdviceScope, 'bareProfile'> & { readonly env: { readonly OPENAI_SETUP_PROFILE?: string | undefined } }): string | undefined {
  return ctx.env.OPENAI_SETUP_PROFILE === undefined ? ctx.bareProfile : undefined;
}

/** What advice for another shell or session needs: the scope, and whether OPENAI_SETUP_PROFILE chose the profile here. */
export type ElsewhereScope = AdviceScope & { readonly env: { readonly OPENAI_SETUP_PROFILE?: string | undefined } };

/**
 * The scope of commands to be typed in another shell or session (the desktop session where the
 * keychain is, a shell where OPENAI_API_KEY is set): --profile named unless the profile would be
 * chosen the same way there (lastingBareProfile), as this shell's OPENAI_SETUP_PROFILE may not be
 * set in that one. For keyCommand and the like; toolCommand's is elsewhereCommand.
 */
export function elsewhereScope(scope: ElsewhereScope): AdviceScope {
  const bareProfile = lastingBareProfile(scope);
  return bareProfile === undefined ? { commandName: scope.commandName } : { commandName: scope.commandName, bareProfile };
}

/** toolCommand for a command to be typed in another shell or session (elsewhereScope). */
export function elsewhereCommand(scope: ElsewhereScope, words: string, profile?: string): string {
  return toolCommand(elsewhereScope(scope), words, profile);
}

/**
 * "this" (the command just run) for `profile`, to be run in another shell or session: "this with
 * --profile NAME" when OPENAI_SETUP_PROFILE chose the profile here (the command as typed does not
 * name it, and that session may not have the variable). Without the variable the command as typed
 * already chooses it there: by its --profile, or by the same default chosen with `use`.
 */
export function elsewhereThis(scope: Pick<ElsewhereScope, 'env'>, profile: string): string {
  return scope.env.OPENAI_SETUP_PROFILE === undefined ? 'this' : `this with --profile ${profile}`;
}

/** The live-check options of a run (`key`, `verify`, the wizard), as `checkFlags` repeats them. */
export interface CheckFlagValues {
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck?: boolean;
}

/**
 * A given base URL as every printed command names it (baseURLForAdvice: no login, query, fragment
 * or final slash), so that each printed --base-url is the same. OpenAI's own is still named (given,
 * it overrides an OPENAI_BASE_URL where the command is run).
 */
function baseURLFlag(baseURL: string): string {
  return baseURLForAdvice(baseURL) ?? (isOfficialBaseURL(baseURL) ? OFFICIAL_API_BASE_URL : withoutCredentials(baseURL));
}

/**
 * The live-check options that were given, as flags for a command recommended to run the same
 * check (` --base-url … --timeout …`); else nothing. A base URL given without them would send the
 * key elsewhere; its user:password is left out, as a secret never printed (baseURLFlag).
 */
export function checkFlags(values: CheckFlagValues | undefined): string {
  if (!values) return '';
  return [
    values.baseURL === undefined ? '' : ` --base-url ${shellWord(baseURLFlag(values.baseURL))}`,
    values.model === undefined ? '' : ` --model ${shellWord(values.model)}`,
    values.timeoutMs === undefined ? '' : ` --timeout ${values.timeoutMs}`,
    values.billingCheck === false ? ' --no-billing-check' : '',
  ].join('');
}

/**
 * The same, for a recommended `key` (which always checks billing: it takes no --no-billing-check).
 * A key meant for another server is then checked there, not sent to the OpenAI API.
 */
export function keyCheckFlags(values: CheckFlagValues | undefined): string {
  return values ? checkFlags({ baseURL: values.baseURL, model: values.model, timeoutMs: values.timeoutMs }) : '';
}

/** `words` (a command and its flags, or nothing) as this person types it, for `profile` when given. */
export function toolCommand(scope: AdviceScope, words: string, profile?: string): string {
  return `${scope.commandName}${words ? ` ${words}` : ''}${profileFlagFor(scope, profile)}`;
}

/**
 * The command that stores a key for a profile, as this person types it (`npx --yes openai-setup …` under
 * npx); `check`: the live-check options this run was given, repeated.
 */
export function keyCommand(scope: AdviceScope, profile: string | undefined, check?: CheckFlagValues): string {
  return `${toolCommand(scope, 'key', profile)}${keyCheckFlags(check)}`;
}

/**
 * The command that checks a profile's key, as this person types it, with the live-check options
 * this run was given (`flags` before --profile: `verify --key - --profile work`).
 */
export function verifyCommand(scope: AdviceScope, profile: string, check?: CheckFlagValues, flags = ''): string {
  return `${toolCommand(scope, `verify${flags ? ` ${flags}` : ''}`, profile)}${checkFlags(check)}`;
}

/** Storing a key from a pipe, as this person types it; `insecure`: in the 0600 file (no keychain to use). */
export function pipeKeyCommand(scope: AdviceScope, profile: string, insecure = false, check?: CheckFlagValues): string {
  return `printenv OPENAI_API_KEY | ${keyCommand(scope, profile)} --stdin${insecure ? ' --insecure-storage' : ''}${keyCheckFlags(check)}`;
}

/** Where a command that stores a key is recommended: what the variables hold there, and whether a command that asks for the key would ask there. */
export interface KeyEntryScope extends AdviceScope {
  readonly env: { readonly OPENAI_API_KEY?: string | undefined; readonly OPENAI_BASE_URL?: string | undefined };
  /** OPENAI_ADMIN_KEY, and OPENAI_SETUP_NO_PROMPT (which turns questions off even where the run has no terminal to ask at). */
  readonly rawEnv: Readonly<Record<string, string | undefined>>;
  /** Why questions are off ('' when on), and which of stdin and stdout are a terminal, as the Terminal says it. */
  readonly term: { readonly whyNoPrompts: string; readonly stdinIsTTY: boolean; readonly stdoutIsTTY: boolean };
}

/**
 * Whether a command that asks for the key (`key`, `admin-key` without --stdin) asks when the person
 * reading this types it: 'here', this run could ask (stdin and stdout both a terminal); 'alone', the
 * person is at a terminal but this run has one on stdin or stdout only (`doctor | cat`, `printenv … |
 * key --stdin`), where the command typed by itself asks; 'turned-off', at a terminal where
 * OPENAI_SETUP_NO_PROMPT turned questions off (it asks once that is unset); null, no terminal at
 * all (a script, CI), or one that moves no cursor (TERM=dumb, where the run has a terminal or not:
 * `doctor | cat` in Emacs's M-x shell): there it would fail, and is never recommended.
 */
export function keyPromptWorks(scope: Pick<KeyEntryScope, 'rawEnv' | 'term'>): 'here' | 'alone' | 'turned-off' | null {
  if (scope.term.whyNoPrompts === '') return 'here';
  if (!scope.term.stdinIsTTY && !scope.term.stdoutIsTTY) return null;
  if (scope.term.whyNoPrompts === CURSORLESS_TERMINAL || cursorless(scope.rawEnv)) return null;
  return scope.term.whyNoPrompts === PROMPTS_TURNED_OFF || promptsTurnedOff(scope.rawEnv) ? 'turned-off' : 'alone';
}

/** `command`, one that asks for the key, where it asks when typed where this is read (keyPromptWorks); else nothing. */
export function promptWhereItAsks(scope: Pick<KeyEntryScope, 'rawEnv' | 'term'>, command: string): string | undefined {
  const asks = keyPromptWorks(scope);
  return asks === 'here' || asks === 'alone' ? command : undefined;
}

/** Where this run's key came from, for advice that stores it again. */
export interface KeyEntryOrigin {
  /** It came on standard input: the person pipes it in again, the same way. */
  piped?: boolean;
  /** The key that came on standard input, when it has been read: piped from the variable again when it is the variable's value. */
  pipedKey?: string;
  /** The variable's value is what just failed its check: never piped in again. */
  variableFailed?: boolean;
}

/** What stands in a printed pipe for the person's own source of the key. */
const KEY_SOURCE_PLACEHOLDER = '…';

/**
 * The one rule for a command that stores a key (`key`, `admin-key`), as it works where it is
 * printed (`command`), and how it gets the key, said before it (`how`, "" or " (…)"). In order:
 * the key came on standard input: piped in again the same way, from `variable` when the key read
 * is its value (`printenv VAR | … --stdin`, as CI does), else its source a placeholder (the
 * variable may hold another key, or none); `variable` holds a usable key as it is (`isKey`: the
 * key judgement, never a mere non-empty value, which `--stdin` would refuse) and not one that just
 * failed its check: a pipe of it; a command that asks would ask where this is read
 * (keyPromptWorks), or would once OPENAI_SETUP_NO_PROMPT is unset (said): that command; else (no
 * terminal) the pipe, its source a placeholder. Never a pipe of a variable holding no key (it
 * gives nothing or is refused, and the refusal would name it again), never a prompt where none
 * can be asked (it would fail, naming itself again). `build(stdin)`: the command with or without --stdin.
 */
export function keyEntryAdvice(
  scope: Pick<KeyEntryScope, 'rawEnv' | 'term'>,
  variable: { name: string; value: string | undefined; isKey: (value: string) => boolean },
  build: (stdin: boolean) => string,
  origin: KeyEntryOrigin = {},
): { command: string; how: string } {
  const placeholder = `${KEY_SOURCE_PLACEHOLDER} | ${build(true)}`;
  const holdsKey = variable.value !== undefined && variable.isKey(variable.value);
  const fromVariable = { command: `printenv ${variable.name} | ${build(true)}`, how: '' };
  if (origin.piped) {
    if (holdsKey && origin.pipedKey !== undefined && origin.pipedKey === variable.value) return fromVariable;
    return { command: placeholder, how: ` (pipe the key in again, as you did, in place of ${KEY_SOURCE_PLACEHOLDER})` };
  }
  if (holdsKey && !origin.variableFailed) return fromVariable;
  const asks = keyPromptWorks(scope);
  if (asks === 'here') return { command: build(false), how: ' (it asks for the key, hidden)' };
  if (asks === 'alone') return { command: build(false), how: ' (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin)' };
  if (asks === 'turned-off') return { command: build(false), how: ' (it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin)' };
  return { command: placeholder, how: ` (pipe the key in, in place of ${KEY_SOURCE_PLACEHOLDER})` };
}

/**
 * Whether OPENAI_API_KEY's value is a key `key` takes as it is, for the server the check goes to
 * (--base-url given to this run, else OPENAI_BASE_URL): the shape `key` and verify judge.
 */
function usableApiKey(scope: Pick<KeyEntryScope, 'env'>, check: CheckFlagValues | undefined): (value: string) => boolean {
  const officialApi = judgedAsOfficial(scope, check?.baseURL);
  return (value) => checkKeyShape(value, officialApi).problem === undefined;
}

/**
 * The command that stores a key for a profile as it works where it is printed (keyEntryAdvice),
 * `insecure`: in the 0600 file; `check`: the live-check options of this run, repeated.
 */
export function storeKeyAdvice(scope: KeyEntryScope, profile: string | undefined, insecure = false, check?: CheckFlagValues, origin: KeyEntryOrigin = {}): { command: string; how: string } {
  const flags = `${insecure ? ' --insecure-storage' : ''}${keyCheckFlags(check)}`;
  return keyEntryAdvice(scope, { name: 'OPENAI_API_KEY', value: scope.env.OPENAI_API_KEY, isKey: usableApiKey(scope, check) }, (stdin) => `${keyCommand(scope, profile)}${stdin ? ' --stdin' : ''}${flags}`, origin);
}

/**
 * A command that saves progress, where it exits 7 until `first` is done (StateStore.firstBeforeChanges:
 * update openai-setup, say): that first, then the command, in one phrase.
 */
export function afterFirst(first: string, command: string): string {
  return `${first}, then run \`${command}\``;
}

/**
 * How to replace a stored value that is no key (judgeStoredKey): store the key again, which
 * replaces it; `check`: the options `key` needs to take it (--base-url for another server's key),
 * or `also`: what to add, in words, when they are not known (", adding …"); `first`: what must be
 * done before `key` can work (StateStore.firstBeforeChanges), said before it.
 */
export function notAKeyFix(scope: KeyEntryScope, profile: string, check?: CheckFlagValues, also = '', first: string | null = null): string {
  // As it works where this is read (storeKeyAdvice): piped in where no terminal would ask for it;
  // never from OPENAI_API_KEY, which nothing here checked (it may hold what was refused).
  const { command, how } = storeKeyAdvice(scope, profile, false, check, { variableFailed: true });
  return first ? `To store your key again (it replaces what is stored), ${afterFirst(first, command)}${how}${also}.` : `Store your key again${how} with \`${command}\`${also} (it replaces what is stored).`;
}

/**
 * The command that stores an admin key for a profile (`flags` before --profile: `admin-key --stdin
 * --profile work`); api/ builds it too, from the scope an AdminAuth carries.
 */
export function adminKeyCommand(scope: AdviceScope, profile: string | undefined, flags = ''): string {
  return toolCommand(scope, `admin-key${flags ? ` ${flags}` : ''}`, profile);
}

/**
 * The way back to the stored admin key where OPENAI_ADMIN_KEY, which wins over it, holds one that
 * will not do: unset it; and how to store one as it works here (`store`: storeAdminKeyAdvice, never
 * a pipe of that variable), the command last.
 */
export function unsetAdminVariable(store: { command: string; how: string }): string {
  return `unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one${store.how}:  ${store.command}`;
}

/** Storing an admin key from a pipe (`flags` after --stdin: `--insecure-storage`). */
export function pipeAdminKeyCommand(scope: AdviceScope, profile: string, flags = ''): string {
  return `printenv OPENAI_ADMIN_KEY | ${adminKeyCommand(scope, profile, flags ? `--stdin ${flags}` : '--stdin')}`;
}

/** The command that stores an admin key as it works where it is printed (keyEntryAdvice); `flags` after --stdin. */
export function storeAdminKeyAdvice(scope: KeyEntryScope, profile: string, flags = '', origin: KeyEntryOrigin = {}): { command: string; how: string } {
  const build = (stdin: boolean) => adminKeyCommand(scope, profile, [stdin ? '--stdin' : '', flags].filter(Boolean).join(' '));
  return keyEntryAdvice(scope, { name: 'OPENAI_ADMIN_KEY', value: envAdminKey(scope), isKey: (value) => adminKeyProblem(value) === undefined }, build, origin);
}

/**
 * The command that marks billing done for a profile without a question, as the wizard names it
 * where it cannot ask: `billing --done` alone keeps the profile's own choice; a choice the account
 * made under another profile is passed as --choice (it is not this profile's yet); with none at
 * all, prepaid (what new accounts are), and `note` says when to pass another ('' otherwise).
 */
export function billingDoneCommand(scope: AdviceScope, state: State, profile: string): { command: string; note: string } {
  if (state.profiles[profile]?.billingChoice) return { command: toolCommand(scope, 'billing --done', profile), note: '' };
  const account = billingChoiceOf(state, profile);
  if (account) return { command: toolCommand(scope, `billing --choice ${account} --done`, profile), note: '' };
  return { command: toolCommand(scope, 'billing --choice prepaid --done', profile), note: '--choice auto-reload if you turned auto-reload on' };
}

/**
 * What fixes billing for a profile, as words with its command, working where it is printed:
 * `billing`, which asks how the account pays and opens the page, where it would ask when typed
 * (keyPromptWorks); else adding credits (as the check's fix, printed before it, says) and the
 * command that marks it done (billingDoneCommand), as `billing` without --choice fails where it cannot ask.
 */
export function billingFixAdvice(scope: AdviceScope & Pick<KeyEntryScope, 'rawEnv' | 'term'>, state: State, profile: string): string {
  const asking = promptWhereItAsks(scope, toolCommand(scope, 'billing', profile));
  if (asking) return `fix billing (\`${asking}\`)`;
  const { command, note } = billingDoneCommand(scope, state, profile);
  return `add credits as described above, mark billing done (\`${command}\`${note ? `; ${note}` : ''})`;
}

/**
 * An old key rotate replaced but could not revoke (the profile's pendingRevokes), as status and
 * doctor say it: `detail`, that it still works (its DELETE failed), or that the rotate was
 * interrupted before revoking it; `fix`, its page and, when the next rotate can revoke it (its id
 * is known), the command that tries again. `rotates`: a key is stored for the profile, without
 * which rotate refuses at once (no project to rotate in): its page alone then.
 */
export function pendingRevokeAdvice(
  scope: AdviceScope,
  profile: string,
  pending: Pick<PendingRevoke, 'keyHint' | 'projectId' | 'at'> & Partial<Pick<PendingRevoke, 'interrupted' | 'keyId' | 'serviceAccountId'>> & { retried?: boolean },
  rotates: boolean,
): { detail: string; fix: string; page: string } {
  const page = projectPageUrl(pending.projectId, 'api-keys');
  const replaced = `${pending.keyHint} (${pending.projectId}), which rotate replaced on ${pending.at.slice(0, 10)}`;
  const retried = pending.retried ?? pendingRetried(pending);
  const fix = !rotates
    ? `Revoke it on ${page} once nothing uses it.`
    : retried
      ? `Revoke it on ${page}, or run \`${toolCommand(scope, 'rotate', profile)}\`, which tries again first.`
      : `Revoke it on ${page} once nothing uses it; \`${toolCommand(scope, 'rotate', profile)}\` names it once more, then forgets it.`;
  return {
    detail: pending.interrupted ? `${replaced}, was not revoked: that rotate was interrupted before it revoked it (unless it is still running)` : `${replaced}, could not be revoked then and still works`,
    fix,
    page,
  };
}

/**
 * A service account a rotate was creating when it was stopped (killed) before its key was stored
 * (the profile's pendingAccounts), as status and doctor say it: `detail`, that it may exist with a
 * key stored nowhere; `fix`, the rotate that deletes it first (`rotates`: a key is stored, without
 * which rotate refuses at once), or its page to delete it by hand. `unsure`: what is stored was not
 * read (the keychain, by status), so its key, `keyHint`, may be the one stored: doctor tells.
 */
export function pendingAccountAdvice(
  scope: AdviceScope,
  profile: string,
  pending: Pick<PendingAccount, 'serviceAccountName' | 'projectId' | 'at'> & { keyHint?: string | null },
  { rotates, unsure }: { rotates: boolean; unsure: boolean },
): { detail: string; fix: string; page: string } {
  const page = projectPageUrl(pending.projectId, 'api-keys');
  const unless = unsure && pending.keyHint ? `, unless ${pending.keyHint} is the key stored now: \`${toolCommand(scope, 'doctor', profile)}\` tells` : '';
  return {
    detail: `The service account ${pending.serviceAccountName} (${pending.projectId}), which a rotate was creating on ${pending.at.slice(0, 10)}, may exist with a key stored nowhere: that rotate was stopped before it stored the key (unless it is still running)`,
    fix: rotates ? `Run \`${toolCommand(scope, 'rotate', profile)}\`, which deletes it first (or forgets it if it was not created), or delete it on ${page}${unless}.` : `Delete it on ${page}${unless}.`,
    page,
  };
}

/** Whether the next rotate can revoke a recorded key (revokePending): not one an interrupted rotate recorded before it knew its id. */
export const pendingRetried = (pending: Partial<Pick<PendingRevoke, 'keyId' | 'serviceAccountId'>>): boolean => Boolean(pending.keyId || pending.serviceAccountId);

/**
 * How an admin key comes to have the permissions it lacks (`that`: "that permission", "api.usage.read"):
 * on the admin keys page, or another key stored with `store`. `withPage`: the page's address in the
 * sentence, where it is not on a line of its own.
 */
export function missingScopeFix(that: string, store: { command: string; how: string }, withPage = false): string {
  return `Give it ${that} on the admin keys page${withPage ? ` (${PAGES['admin-keys'].url})` : ''}, or create an admin key with "All" permissions and store it${store.how}:  ${store.command}`;
}
