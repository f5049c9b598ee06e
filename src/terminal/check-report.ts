// The checklist a person reads after a live check.
import { otherServer } from '../api/diagnosis.js';
import { outcomeRow } from '../api/status.js';
import { billingNotProven } from '../api/verdict.js';
import type { CheckResult } from '../api/types.js';
import { isMaskedKey, keyLabel, maskKey } from '../keys/format.js';
import { isOfficialBaseURL } from '../platform.js';
import type { KeySource } from '../storage/profile-key.js';
import { marks, type Terminal } from './output.js';
import { sanitize, withoutCredentials } from './sanitize.js';
import { labelled } from './width.js';

/** The columns a line's mark and label take before its value (`✔ Accepted    `). */
const LABEL_COLUMN = 14;

export function describeKey(key: string, source: KeySource): string {
  const kind = isMaskedKey(key) ? 'masked key, not the key itself' : keyLabel(key);
  return sanitize(`${maskKey(key)} (${kind}, from ${source.label})`);
}

/**
 * `print` is the terminal's out or err (err when stdout is JSON); `baseURL`: where the check went.
 * A server that is not the OpenAI API is named, as it matters as much as what it said.
 */
export function printCheck(term: Terminal, key: string, source: KeySource, result: CheckResult, print: (line: string) => void = term.out, baseURL?: string): void {
  const m = marks(term.style);
  const server = baseURL === undefined || isOfficialBaseURL(baseURL) ? undefined : sanitize(withoutCredentials(baseURL));
  const dim = term.style.dim;
  // Each line's value beside its label, or under it on a terminal too narrow for the label column.
  const beside = labelled(print === term.err ? term.stderrIsTTY : term.stdoutIsTTY, term.columns, LABEL_COLUMN);
  const say = (lead: string, label: string, value: string) => {
    for (const line of beside(lead, label, value)) print(line);
  };
  // The key line is only a tick when the key at least looks like one.
  say(`${result.status === 'malformed_key' ? m.fail : m.ok} `, 'Key', describeKey(key, source));
  if (server) say(`${m.warn} `, 'Server', `${server} (not the OpenAI API)`);
  const row = outcomeRow(result);
  const reached = result.models !== null || row.accepted;
  if (result.status === 'malformed_key' || result.reason === 'admin_key') {
    // Nothing was sent.
  } else if (reached) {
    const where = [result.organization && `organization ${result.organization}`, result.project && `project ${result.project}`].filter(Boolean).join(', ');
    say(`${m.ok} `, 'Accepted', where || 'by the API');
    if (result.models !== null) {
      const notable = result.notableModels.length ? ` (${result.notableModels.join(', ')}…)` : '';
      say(`${m.ok} `, 'Models', `${result.models} available${notable}`);
    }
    const tier = result.tier ? `; likely usage tier ${result.tier}` : '';
    // A rate-limited test request leaves billing unchecked: nothing went through, nothing was proven.
    const unproven = result.status === 'rate_limited' && result.billing === 'unchecked' ? billingNotProven(result) : null;
    if (unproven) say(`${m.warn} `, 'Billing', `not proven: ${unproven}${tier}`);
    else if (result.billing === 'ok') say(`${m.ok} `, 'Billing', `a 1-token test request went through${tier}`);
    else if (result.billing === 'no_quota') say(`${m.fail} `, 'Billing', 'cannot spend');
    else say(`${m.pending} `, 'Billing', 'not checked');
  } else if (row.route === 'retry') {
    // No answer, or the API's own failure: nothing was said about the key.
    say(`${m.pending} `, 'Accepted', 'not known: no answer about the key came');
  } else if (row.route === 'elsewhere') {
    // Refused for something around the key (a region, an IP allowlist, a header): the line below
    // says what; some of these come before the key is judged, so none says the key was refused.
    say(`${m.pending} `, 'Accepted', 'not known: the request was refused for something around the key');
  } else {
    say(`${m.fail} `, 'Accepted', 'no');
  }
  for (const warning of result.warnings) print(`${m.warn} ${warning}`);
  const latency = result.latencyMs ? dim(` (${result.latencyMs} ms)`) : '';
  // A key that works at another server works there: the line says where, not only the one above.
  const at = baseURL === undefined || !row.ok ? null : otherServer(baseURL);
  const message = at ? `At ${sanitize(at, 200)}, not the OpenAI API: ${result.message}` : result.message;
  if (result.status === 'valid') {
    print(`${m.ok} ${term.style.bold(message)}${latency}`);
    return;
  }
  // Usable, but not proven working (rate-limited): a warning, not a failure.
  const mark = row.ok ? m.warn : m.fail;
  print(`${mark} ${term.style.bold(message)}${latency}`);
  if (result.fix) print(`  ${result.fix}`);
  if (result.fixUrl) print(`  ${m.arrow} ${result.fixUrl}`);
  if (result.requestId) print(dim(`  Request ID: ${result.requestId}`));
}

/**
 * A check's message said of where it was made, for a sentence that does not show the check report:
 * at a server that is not the OpenAI API (otherHost), "The key works…" is "The key works at HOST…"
 * (any other message is put after "At HOST:"), never simply "works".
 */
export function messageAt(result: Pick<CheckResult, 'message' | 'otherHost'>): string {
  if (!result.otherHost) return result.message;
  const at = `The key works at ${result.otherHost}`;
  return /^The key works\b/.test(result.message) ? result.message.replace(/^The key works/, at) : `At ${result.otherHost}: ${result.message}`;
}
