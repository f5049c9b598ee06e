// A stored key and its record in state.json change as one step. state.json's lock is taken before
// the key store is touched and held until the record is written: concurrent runs take turns (so
// the key stored and the one recorded never disagree), a lock another run keeps holding means
// nothing is changed, and a progress file that cannot be changed is found out before the key is.
// When storing or recording fails after all, the store is put back as it was, and the failure
// says whether that worked and, when it did not, what is stored now. A record made late (the lock
// lost just before it), and a store put back once the lock was lost (this run paused past its
// staleness), are made only while the store still holds this run's change (or what it held before):
// one another run changed since is left to that run's record, and said.
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { toolCommand, type AdviceScope, type CheckFlagValues, type KeyEntryScope } from '../terminal/advice.js';
import { pathLine } from '../terminal/sanitize.js';
import { describeKeychainProblem, KeychainCallGivenUpError, KeychainUnavailableError } from './keychain.js';
import { LockLostUnwrittenError } from './lock.js';
import { ConfigStoreError } from './private-file.js';
import { accountOf, DamagedKeyFileError, damagedKeyFileFix, type KeySnapshot, type KeyStore, type PutBack, type Storage, type Written } from './keystore.js';
import { profileIn, type State } from './state.js';

/** Times a late record is tried when the lock is found lost again before its write (as StateStore.update). */
const RECORD_ATTEMPTS = 3;

/** Where it failed: before anything changed, changing the store, or writing the record. */
type KeyChangeStep = 'start' | 'change' | 'record';

export class KeyChangeError extends ExitError {
  constructor(
    readonly step: KeyChangeStep,
    readonly failure: unknown,
    /**
     * What became of the store: nothing had changed, it was put back, or it could not be; or
     * (`overtaken`) this run's change was made, and another run changed the store again before it
     * could be recorded: neither put back nor recorded (the failure, a StoreChangedSinceError, says what is stored now).
     */
    readonly putBack: PutBack | 'overtaken',
    /** What the store held before (null: the failure came before it was read). */
    readonly before: KeySnapshot | null,
  ) {
    const code = failure instanceof ExitError ? failure.code : failure instanceof KeychainUnavailableError ? EXIT.keyStore : EXIT.internal;
    super(code, failure instanceof Error ? failure.message : String(failure), failure instanceof ExitError ? failure.hints : []);
    this.name = 'KeyChangeError';
  }
}

/**
 * This run changed the store, lost state.json's lock before recording that, and found, with the
 * lock taken again, that another run has changed the store since: this run's change is not
 * recorded (the record is the other run's), and the store is left as it is. `now`: the key stored
 * now and where (null: none; undefined: it could not be read).
 */
export class StoreChangedSinceError extends KeyStoreError {
  constructor(
    message: string,
    readonly now: { key: string; storage: Storage } | null | undefined,
  ) {
    super(message);
    this.name = 'StoreChangedSinceError';
  }
}

/**
 * Change what the store holds for `account` (`change`, given what it held) and record it
 * (`record`, on the progress as it is now; false: nothing to write) as one step, holding
 * state.json's lock throughout. Nothing in `change` may ask a question (the lock is held), nor
 * call state.update() (it would wait for its own lock). Fails with a KeyChangeError.
 */
export async function changeKey<T>(
  ctx: Pick<Context, 'state' | 'keys'>,
  account: string,
  change: (before: KeySnapshot) => Promise<T>,
  record: (state: State, result: T, before: KeySnapshot) => boolean | void,
): Promise<T> {
  let done = false;
  /** Changed, and its record not written: the lock was lost just before (written again below). */
  let unrecorded: Unrecorded<T> | null = null;
  /** `change` began: from then on the store may hold something else than `before`. */
  let touched = false;
  // A signal waits for both to be written (or the store put back): they never disagree.
  const { profile, admin } = accountOf(account);
  const whose = `the ${admin ? 'admin key change' : 'key change'} of profile "${profile}"`;
  // No write to the store begun yet (a keychain write waiting for its turn is none): a signal gives
  // up what has not begun (a keychain call waiting for its turn behind another run's), the mark
  // cleared; and with no mark left either, leaving says that nothing was changed.
  const writesBefore = ctx.keys.writesBegun();
  let markLeft = false;
  // The record's write begun: a change that writes no key (logout --admin forgetting a record the
  // keychain no longer holds) still changed state.json.
  let recordBegun = false;
  const mayGiveUp = () => ctx.keys.writesBegun() === writesBefore;
  const untouched = () => mayGiveUp() && !markLeft && !recordBegun;
  const section = { what: whose, risk: `the key stored may not be the one ${pathLine(ctx.state.path)} records; run the command again`, untouched, mayGiveUp };
  // A profile's own key change is marked in the progress file before the store is touched, and the
  // mark cleared with the record: a run killed in between (no signal to wait for) leaves it, so that
  // status, which reads no keychain, can say the record may be out of date (doctor reconciles).
  const marked = !account.endsWith(':admin');
  let existed = true;
  const unmark = (state: State) => {
    const p = state.profiles[account];
    if (!p) return;
    delete p.keyChangeStartedAt;
    // A profile the mark alone made goes with it.
    if (!existed && Object.entries(p).every(([name, value]) => value === undefined || (name === 'stages' && Object.keys(p.stages).length === 0))) delete state.profiles[account];
  };
  /** The record, and the mark cleared; whether there is anything to write. */
  const recordAll = (state: State, result: T, before: KeySnapshot): boolean => {
    const changed = record(state, result, before) !== false;
    if (marked) unmark(state);
    return changed || marked;
  };
  let before: KeySnapshot | null = null;
  /** Failed with the lock lost: the store is put back (or not) under the lock taken again (putBackLate). */
  let lost: LostChange | null = null;
  try {
    const result = await ctx.state.locked(async (state, save, held) => {
      // A key file that cannot be used fails here, before anything is changed.
      before = await ctx.keys.snapshot(account);
      // The progress as it was, marked: written back unmarked when the store is put back.
      let asMarked: State | null = null;
      if (marked) {
        existed = account in state.profiles;
        profileIn(state, account).keyChangeStartedAt = ctx.state.nowIso();
        // A progress file that cannot be written fails here too, before the store is touched.
        markLeft = true;
        await save(state);
        asMarked = structuredClone(state);
      }
      let step: KeyChangeStep = 'change';
      // What this run had done to the store before: what `change` does is what follows it.
      const earlier = ctx.keys.written(account);
      try {
        touched = true;
        const result = await change(before);
        const written = ctx.keys.written(account);
        step = 'record';
        if (recordAll(state, result, before)) {
          try {
            recordBegun = true;
            await save(state);
          } catch (error) {
            if (!(error instanceof LockLostUnwrittenError)) throw error;
            // Another run took the lock over while this one was paused, and may have changed the
            // progress since it was read: the record is made again, to the file as it is now.
            unrecorded = { result, written: written === earlier ? 'nothing' : written! };
            return result;
          }
        }
        done = true;
        return result;
      } catch (error) {
        // The lock lost (this run paused past its staleness): another run may have taken it over
        // and changed the store since. Whether it did is seen with the lock taken again.
        if (!held()) {
          const attempted = ctx.keys.written(account);
          lost = { step, failure: error, written: attempted === earlier ? 'nothing' : attempted! };
          throw error;
        }
        // Given up (the run is leaving) with nothing written: nothing to put back (restore's own
        // keychain calls would be given up too), only the mark to clear.
        if (error instanceof KeychainCallGivenUpError && ctx.keys.writesBegun() === writesBefore) {
          if (asMarked) {
            unmark(asMarked);
            await save(asMarked).then(
              () => void (markLeft = false),
              () => {},
            );
          }
          throw new KeyChangeError(step, error, 'untouched', before);
        }
        // Put back while the lock is still held: no other run sees the store half changed.
        const putBack = await ctx.keys.restore(account, before);
        // Nothing changed, so the mark goes; one that cannot be cleared now is doctor's to clear.
        if (asMarked && putBack !== 'failed') {
          unmark(asMarked);
          await save(asMarked).catch(() => {});
        }
        throw new KeyChangeError(step, error, putBack, before);
      }
    }, section);
    if (unrecorded) await recordAgain(ctx, account, unrecorded, before!, recordAll);
    return result;
  } catch (error) {
    if (error instanceof KeyChangeError) throw error;
    if (lost) throw await putBackLate(ctx, account, lost as LostChange, before!, marked ? unmark : null);
    // Changed, its record left to be made again, and the lock found lost as the body ended
    // (withFileLock says so: it was lost before the record's write, which is what the body found):
    // the record is made all the same, as recordAgain does. The store holds the change, so it is
    // never said to be untouched.
    if (unrecorded) {
      await recordAgain(ctx, account, unrecorded, before!, recordAll);
      return (unrecorded as Unrecorded<T>).result;
    }
    // Both were written and the lock was lost only then (withFileLock says so): not undone.
    if (done) throw error;
    // Not known to have come before the store was touched: what it holds now is said (as when it
    // could not be put back), never "nothing was changed".
    if (touched) throw new KeyChangeError('change', error, 'failed', before);
    // The lock not had in time, a progress file that cannot be changed, a key file that cannot be read.
    throw new KeyChangeError('start', error, 'untouched', null);
  }
}

/** A change that failed with state.json's lock lost: at which step, why, and what it did or began to do to the store (`nothing`: no write). */
type LostChange = { step: KeyChangeStep; failure: unknown; written: Written | 'nothing' };

/**
 * The store put back after a change failed once state.json's lock was lost (this run paused past its
 * staleness: another run may have taken the lock over and stored or removed a key since): with the
 * lock taken again, and only while the store holds what this run left there or what it held
 * `before` (then the mark is cleared too, as with the lock held). Otherwise the store and its record
 * are the other run's and stand: the failure says what is stored now ('overtaken'). The lock not
 * had again (another run keeps it): put back on the same condition, without it.
 */
async function putBackLate(
  ctx: Pick<Context, 'state' | 'keys'>,
  account: string,
  lost: LostChange,
  before: KeySnapshot,
  unmark: ((state: State) => void) | null,
): Promise<KeyChangeError> {
  let back: PutBack | StoreChangedSinceError | null = null;
  try {
    await ctx.state.locked(async (state, save) => {
      back = await putBackIfOurs(ctx, account, lost, before, state);
      if (back instanceof StoreChangedSinceError || back === 'failed' || !unmark) return;
      unmark(state);
      // One that cannot be cleared now is doctor's to clear.
      await save(state).catch(() => {});
    });
  } catch {
    // The lock not had again, or the progress file not readable: nothing was put back yet.
    back ??= await putBackIfOurs(ctx, account, lost, before, await readQuietly(ctx));
  }
  const result = back as PutBack | StoreChangedSinceError | null;
  if (result instanceof StoreChangedSinceError) return new KeyChangeError(lost.step, result, 'overtaken', before);
  return new KeyChangeError(lost.step, lost.failure, result ?? 'failed', before);
}

/** The progress as it is now, saying nothing of a file that cannot be used (null then). */
async function readQuietly(ctx: Pick<Context, 'state'>): Promise<State | null> {
  const reading = await ctx.state.reading({ quiet: true }).catch(() => null);
  return reading && !reading.problem ? reading.state : null;
}

/**
 * The store put back as it was `before` (restore()) when it still holds what this run left there:
 * as `before`, this run's change whole (stillHolds), or the key this run was storing in use
 * (its change in part); else nothing is touched, and the failure saying what is stored now comes
 * back. `state`: the progress as it is now (null: not known), for where the key in use is.
 */
async function putBackIfOurs(ctx: Pick<Context, 'state' | 'keys'>, account: string, lost: LostChange, before: KeySnapshot, state: State | null): Promise<PutBack | StoreChangedSinceError> {
  const now = await ctx.keys.snapshot(account).catch(() => null);
  const record = state ? recordIn(state, account) : null;
  const inUse = now ? storedIn(now, record) : undefined;
  const { written } = lost;
  // Each place as it was, or as this run left it: its change made in part (the new key in the
  // keychain, the old one not yet out of the file) is its own, not another run's.
  const asBeforeOrMine = (place: 'file' | 'keychain') => now !== null && (now[place] === before[place] || (written !== 'nothing' && now[place] === written.key));
  const ours =
    now !== null &&
    ((asBeforeOrMine('file') && asBeforeOrMine('keychain')) ||
      stillHolds(now, written, before) === true ||
      (written !== 'nothing' && written.key !== null && inUse?.key === written.key));
  if (ours) return ctx.keys.restore(account, before);
  return failedSince(ctx, account, state, lost, inUse);
}

/**
 * The failure of a change that failed (`lost`) once state.json's lock was lost, and found the store
 * changed by another run since (or what it holds not readable): what failed and why, what is stored
 * now (`now`; undefined: it could not be read) and whether it is recorded, and that it was left as it is.
 */
function failedSince(ctx: Pick<Context, 'state' | 'keys'>, account: string, state: State | null, { step, failure, written }: LostChange, now: { key: string; storage: Storage } | null | undefined): StoreChangedSinceError {
  const { profile, admin } = accountOf(account);
  const key = admin ? 'admin key' : 'key';
  const a = admin ? 'the admin key ' : '';
  const path = pathLine(ctx.state.path);
  const reason = reasonOf(ctx, failure);
  const did =
    written === 'nothing'
      ? `The ${key} change of profile "${profile}"`
      : written.key !== null
        ? `Storing ${a}${maskKey(written.key)} for profile "${profile}"`
        : `Removing the ${key} of profile "${profile}"`;
  const failed = step === 'record' ? `${did} worked, but recording that in ${path} failed (${reason})` : `${did} failed (${reason})`;
  if (now === undefined) {
    return new StoreChangedSinceError(`${failed}, and this run's lock on ${path} was lost meanwhile: what is stored now could not be read to see whether another run has changed it since, so it was left as it is, and ${path} was not changed.`, now);
  }
  if (now === null) return new StoreChangedSinceError(`${failed}, and another run has since removed the ${key}: no ${key} is stored now, and that was left as it is.`, now);
  const record = state ? recordIn(state, account) : null;
  const recorded = record?.storage === now.storage && record.hint === maskKey(now.key);
  const where = now.storage === 'keychain' ? `in the ${ctx.keys.keychainDescription}` : `in ${pathLine(ctx.keys.filePath)}`;
  return new StoreChangedSinceError(`${failed}, and another run has since stored ${a}${maskKey(now.key)} (${where}), which is what is stored${recorded ? ' and recorded' : ''} now, so that was left as it is.`, now);
}

/** A change made, its record not written: what `change` returned, and what it did to the store (`nothing`: it wrote nothing). */
type Unrecorded<T> = { result: T; written: Written | 'nothing' };

/**
 * The record of a change made holding state.json's lock, written after the lock was lost before
 * it could be (changeKey): made to the progress as it is now, under the lock taken again, and only
 * while the store still holds what the change left there (another run may have taken its turn
 * meanwhile: its key and its record stand, and this run fails saying so, a StoreChangedSinceError,
 * changing nothing more). Failing otherwise, the store is put back, as when recording fails (a KeyChangeError).
 */
async function recordAgain<T>(
  ctx: Pick<Context, 'state' | 'keys'>,
  account: string,
  { result, written }: Unrecorded<T>,
  before: KeySnapshot,
  record: (state: State, result: T, before: KeySnapshot) => boolean | void,
): Promise<void> {
  let overtaken: StoreChangedSinceError | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await ctx.state.locked(async (state, save) => {
          const now = await ctx.keys.snapshot(account).catch(() => null);
          const holds = stillHolds(now, written, before);
          if (holds !== true) {
            overtaken = changedSince(ctx, account, state, { written, before, changed: holds === false, now: now ? storedIn(now, recordIn(state, account)) : undefined });
            throw overtaken;
          }
          record(state, result, before);
          await save(state);
        });
        return;
      } catch (error) {
        // Taken over once more while paused again: made again, to the file as it is then.
        if (error instanceof LockLostUnwrittenError && attempt < RECORD_ATTEMPTS) continue;
        throw error;
      }
    }
  } catch (error) {
    // Not this run's to put back: the store holds another run's change, or what it holds is not known.
    if (overtaken) throw new KeyChangeError('record', overtaken, 'overtaken', before);
    // The lock not held: put back only while the store still holds this run's change (putBackIfOurs).
    const back = await putBackIfOurs(ctx, account, { step: 'record', failure: error, written }, before, await readQuietly(ctx));
    if (back instanceof StoreChangedSinceError) throw new KeyChangeError('record', back, 'overtaken', before);
    throw new KeyChangeError('record', error, back, before);
  }
}

/**
 * Whether the store (`now`, read under the lock; null: it could not be read) still holds what this
 * run's change left there: the key it stored, where it stored it (one in the keychain goes with
 * none in the file); none after a removal; as `before` when the change wrote nothing. 'unknown':
 * where that would be could not be read.
 */
function stillHolds(now: KeySnapshot | null, written: Written | 'nothing', before: KeySnapshot): boolean | 'unknown' {
  if (!now) return 'unknown';
  if (written === 'nothing') {
    if (now.file !== before.file) return false;
    if (now.keychain === before.keychain) return true;
    return now.keychain === undefined || before.keychain === undefined ? 'unknown' : false;
  }
  if (written.key === null) {
    if (now.file !== null) return false;
    if (now.keychain === null) return true;
    // A keychain the removal could not ask was left as it was: as before, or unreadable still, it is as the removal left it.
    if (written.keychainError && (now.keychain === undefined || now.keychain === before.keychain)) return true;
    // A keychain the removal emptied, unreadable now, may hold a key another run stored.
    return now.keychain === undefined ? 'unknown' : false;
  }
  if (written.storage === 'file') return now.file === written.key;
  if (now.file !== null) return false;
  return now.keychain === undefined ? 'unknown' : now.keychain === written.key;
}

/** The record of `account`'s key (or admin key) in `state`, where it names a place here. */
function recordIn(state: State, account: string): { storage: Storage; hint: string } | null {
  const { profile, admin } = accountOf(account);
  const p = state.profiles[profile];
  const record = admin ? p?.adminKey : p?.key;
  return record && record.storage !== 'env' ? { storage: record.storage, hint: record.hint } : null;
}

/** The key in use in `now`: where the record puts it, else the keychain's, else the file's (as KeyStore.find() reads, without the hint check); undefined when that is the keychain and it could not be read. */
function storedIn(now: KeySnapshot, record: { storage: Storage } | null): { key: string; storage: Storage } | null | undefined {
  if (record?.storage === 'file' && now.file) return { key: now.file, storage: 'file' };
  if (now.keychain === undefined) return now.file && record?.storage === 'file' ? { key: now.file, storage: 'file' } : undefined;
  if (now.keychain) return { key: now.keychain, storage: 'keychain' };
  return now.file ? { key: now.file, storage: 'file' } : null;
}

/**
 * The failure when the store does not hold (`changed`), or may not hold, this run's change any more
 * once it is to be recorded late: what this run did (`written`, to the store as it was `before`),
 * what is stored now (`now`; undefined: it could not be read) and whether state.json records it,
 * and that nothing more was changed.
 */
function changedSince(
  ctx: Pick<Context, 'state' | 'keys'>,
  account: string,
  state: State,
  { written, before, changed, now }: { written: Written | 'nothing'; before: KeySnapshot; changed: boolean; now: { key: string; storage: Storage } | null | undefined },
): StoreChangedSinceError {
  const { profile, admin } = accountOf(account);
  const key = admin ? 'admin key' : 'key';
  const a = admin ? 'the admin key ' : '';
  const A = admin ? 'The admin key ' : '';
  const old = before.keychain ?? before.file;
  const did =
    written === 'nothing'
      ? `${old ? `${A}${maskKey(old)} was` : `No ${key} was`} stored for profile "${profile}" when this run looked`
      : written.key !== null
        ? `${A}${maskKey(written.key)} was stored for profile "${profile}"`
        : `${old ? `${A}${maskKey(old)}` : `The ${key}`} of profile "${profile}" was removed`;
  const nothing = written === 'nothing' ? 'nothing was changed' : 'nothing more was changed';
  const path = pathLine(ctx.state.path);
  if (now === undefined) {
    const since = changed ? 'another run has changed what is stored since, and what it is now could not be read' : 'what is stored now could not be read to see whether another run has changed it since';
    return new StoreChangedSinceError(`${did}, but ${since}, so ${path} was not changed.`, now);
  }
  if (now === null) return new StoreChangedSinceError(`${did}, but another run has since removed it: no ${key} is stored now, so ${nothing}.`, now);
  const record = recordIn(state, account);
  const recorded = record?.storage === now.storage && record.hint === maskKey(now.key);
  const where = now.storage === 'keychain' ? `in the ${ctx.keys.keychainDescription}` : `in ${pathLine(ctx.keys.filePath)}`;
  return new StoreChangedSinceError(`${did}, but another run has since stored ${a}${maskKey(now.key)} (${where}), which is what is stored${recorded ? ' and recorded' : ''} now, so ${nothing}.`, now);
}

/** A failure's cause in words, without its closing full stop (`asItEnds`: with it). */
export function reasonOf(ctx: Pick<Context, 'keys'>, cause: unknown, options: { asItEnds?: boolean } = {}): string {
  const text = cause instanceof KeychainUnavailableError ? describeKeychainProblem(cause, ctx.keys.keychainDescription) : cause instanceof Error ? cause.message : String(cause);
  return options.asItEnds ? text : text.replace(/\.$/, '');
}

/**
 * What is stored for `account` as a failure says it, from `found` (ctx.keys.find(), null when that
 * failed): `now` the key masked and where it is, null for none, undefined when that cannot be
 * told; `hints`, how to find out then.
 */
export function storedNowWords(
  ctx: Pick<Context, 'keys'> & AdviceScope,
  account: string,
  found: Awaited<ReturnType<KeyStore['find']>> | null,
): { now: { hint: string; where: string } | null | undefined; hints: string[] } {
  // A keychain that does not answer tells nothing of what it holds (a key there comes before the
  // file's): "no key" would be a guess. One not running here at all holds nothing this run can use.
  const keychainUnread = Boolean(found?.keychainError && found.keychainError.problem !== 'no-service');
  if (!found || keychainUnread) {
    // doctor shows the profile's key, not its admin key.
    const see = keychainUnread && !accountOf(account).admin;
    return { now: undefined, hints: see ? [`Once the ${ctx.keys.keychainDescription} answers, \`${toolCommand(ctx, 'doctor', account)}\` says which key is stored.`] : [] };
  }
  const { stored } = found;
  return { now: stored && { hint: maskKey(stored.key), where: stored.storage === 'keychain' ? `in the ${ctx.keys.keychainDescription}` : `in ${pathLine(ctx.keys.filePath)}` }, hints: [] };
}

/**
 * A KeyChangeError said for people: what failed, and what is stored now. `hint`: the masked key
 * being stored or removed; `profile`: whose (`admin`: its admin key); `again`: what to run once
 * the cause is fixed, when the store could not be put back.
 */
export async function keyChangeFailure(
  ctx: Pick<Context, 'keys' | 'state'> & AdviceScope,
  error: KeyChangeError,
  words: { hint: string; account: string; removing?: boolean; again: string[] },
): Promise<ExitError> {
  const { hint, removing } = words;
  // "the admin key …" starts a sentence capitalised; a key's hint (sk-…) as it is.
  const Hint = hint.startsWith('the ') ? `The ${hint.slice(4)}` : hint;
  const reason = reasonOf(ctx, error.failure);
  const path = pathLine(ctx.state.path);
  const old = error.before ? (error.before.keychain ?? error.before.file) : null;
  let message: string;
  let hints = error.hints;
  if (error.putBack === 'overtaken') {
    // Said as it is (StoreChangedSinceError): what another run stored since, never this run's key as replacing it.
    const unread = error.failure instanceof StoreChangedSinceError && error.failure.now === undefined;
    const doctor = unread && !accountOf(words.account).admin ? [`\`${toolCommand(ctx, 'doctor', words.account)}\` says which key is stored, and records it.`] : [];
    return new ExitError(error.code, error.message, [...error.hints, ...doctor]);
  }
  if (error.putBack === 'untouched' && error.step !== 'record') {
    // The reason as it ends: one that ends in a command (rmdir '…') has no full stop after it.
    message = `${Hint} was not ${removing ? 'removed' : 'stored'}: ${reasonOf(ctx, error.failure, { asItEnds: true })}`;
  } else if (error.putBack !== 'failed') {
    const put = removing ? 'it was put back' : `it was taken out again${old ? ` and ${maskKey(old)} put back` : ''}`;
    message =
      error.step === 'record'
        ? `${Hint} was ${removing ? 'removed' : 'stored'}, but recording that in ${path} failed (${reason}), so ${put}: nothing was changed.`
        : `${removing ? 'Removing' : 'Storing'} ${hint} failed (${reason}), so what was stored before was put back: nothing was changed.`;
  } else {
    const stored = storedNowWords(ctx, words.account, await ctx.keys.find(words.account).catch(() => null));
    const now = stored.now === undefined ? 'what is stored now could not be read' : stored.now ? `${stored.now.hint} is stored now (${stored.now.where})` : 'no key is stored now';
    const failed = error.step === 'record' ? `${removing ? 'Removing' : 'Storing'} ${hint} worked, but recording that in ${path} failed` : `${removing ? 'Removing' : 'Storing'} ${hint} failed`;
    message = `${failed} (${reason}), and what was stored before${old ? ` (${maskKey(old)})` : ''} could not be put back: ${now}, and ${path} was not changed.`;
    hints = [...hints, ...stored.hints, ...words.again];
  }
  return new ExitError(error.code, message, hints);
}

/**
 * A key file that cannot be used (`error`, as reading it failed), as status says it after `lead`
 * (what the progress file records, then "but" or "and"): what is wrong, and its fix. As token, run
 * and logout would find it (exit 7). A damaged one is removed, the keys in it with it (as doctor
 * says it), and the key stored again in the file (where it was kept, or no keychain can be reached:
 * without --insecure-storage, `key` fails there), as it works where this is read (storeKeyAdvice:
 * piped in where no terminal would ask for it).
 */
export function keyFileUnusable(ctx: Pick<Context, 'keys'> & KeyEntryScope, profile: string, error: ConfigStoreError, lead: string, check?: CheckFlagValues): { why: string; fix: string } {
  const fix = error instanceof DamagedKeyFileError ? damagedKeyFileFix(ctx, ctx.keys.filePath, profile, true, check) : (error.parts.fix ?? error.hints.join(' ')).replace(/\.$/, '');
  return { why: `${lead} ${error.parts.detail.replace(/\.$/, '')}`, fix };
}

/**
 * Why the progress file's record of `profile`'s key may not be the key stored, as a clause (null:
 * no reason to doubt it), and what to do then: a key change that was interrupted (its mark, left
 * by a run killed between writing the store and recording it), or a record of a key in the
 * plain-text file that the file does not hold, or that cannot be read (damaged, empty, not to be
 * trusted: every command that reads the key fails on it, exit 7), with that file's fix. Reads the
 * key file at most (cheap), never the keychain: for status and profiles, which send people to
 * doctor when what is stored can be told (it records it, and clears the mark). `held`: the hint of
 * what the key file holds instead (null: nothing), where it was read.
 */
export async function recordInDoubt(ctx: Pick<Context, 'keys' | 'state'> & KeyEntryScope, state: State, profile: string): Promise<{ why: string; fix: string; held?: string | null } | null> {
  const p = state.profiles[profile];
  const doctor = `\`${toolCommand(ctx, 'doctor', profile)}\` records the key stored`;
  if (p?.keyChangeStartedAt) return { why: `a key change for profile "${profile}" was interrupted, so ${pathLine(ctx.state.path)} may record another key than the one stored`, fix: doctor };
  if (p?.key?.storage !== 'file') return null;
  const records = `${pathLine(ctx.state.path)} records ${p.key.hint} in plain text for profile "${profile}"`;
  let held: string | null;
  try {
    held = await ctx.keys.fileKey(profile);
  } catch (error) {
    // Another failure is said by what reads the file (token, doctor): no doubt from here.
    if (!(error instanceof ConfigStoreError)) return null;
    // Stored again where it was last checked (another server's key is checked there: --base-url),
    // when that last check was of this key (not of another, from OPENAI_API_KEY, say).
    const checkedHere = p.lastVerify?.baseURL && p.lastVerify.keyHint === p.key.hint ? { baseURL: p.lastVerify.baseURL } : undefined;
    return keyFileUnusable(ctx, profile, error, `${records}, but`, checkedHere);
  }
  if (held !== null && maskKey(held) === p.key.hint) return null;
  const holds = held === null ? 'holds no key for it' : `holds ${maskKey(held)}`;
  return { why: `${records}, but ${pathLine(ctx.keys.filePath)} ${holds}`, fix: doctor, held: held === null ? null : maskKey(held) };
}
