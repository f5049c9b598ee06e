// `openai-setup admin-key`: store an organization admin key (sk-admin-…) next to the profile's key,
// in its own keychain entry, after a live check that lists one project. rotate and spend use it.
import type { AdminProject } from '../api/types.js';
import { NEEDS_ADMIN_KEY_FIX } from '../api/admin-failure.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, UsageError } from '../errors.js';
import { keyKind, keyKindLabel, maskKey, parseKey } from '../keys/format.js';
import { PAGES } from '../platform.js';
import { heading, showPage } from '../stages/page.js';
import { adminAccount, adminAuth, envAdminKey } from '../storage/admin-key.js';
import { describeKeychainProblem, KeychainUnavailableError } from '../storage/keychain.js';
import type { Storage } from '../storage/keystore.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';

export interface AdminKeyOptions {
  profile?: string;
  stdin: boolean;
  insecureStorage: boolean;
  verify: boolean;
  json: boolean;
}

const PIPE_HINT = 'Pipe it in instead:  printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin';

async function readAdminKey(ctx: Context, profile: string, options: AdminKeyOptions): Promise<string> {
  if (options.stdin) return ctx.readStdin();
  if (!ctx.term.interactive) throw new UsageError('Pasting an admin key needs an interactive terminal.', [PIPE_HINT]);
  const prompter = ctx.prompter(PIPE_HINT);
  const fromEnv = envAdminKey(ctx);
  if (fromEnv && (await prompter.confirm(`Store OPENAI_ADMIN_KEY from this shell (${maskKey(fromEnv)}) as the admin key of profile "${profile}"?`, true))) return fromEnv;
  heading(ctx, 'Store an organization admin key');
  ctx.term.say(
    'An admin key manages the organization (projects, service accounts, keys, costs); it cannot call models. Only organization owners can create one. On the admin keys page: "Create new admin key", name it, keep the permissions "All" (rotate needs to write service accounts and keys, spend to read usage), and copy it: it is shown only once.',
  );
  await showPage(ctx, 'admin-keys');
  return prompter.password('Paste the admin key (input is hidden):', (value) => {
    const parsed = parseKey(value);
    return parsed.ok ? true : `That is not an API key: ${parsed.problem}.`;
  });
}

export async function run(ctx: Context, options: AdminKeyOptions): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  // With --json, stdout is the JSON alone.
  const say = options.json ? term.err : term.out;
  const profile = await resolveProfileName(ctx, options.profile);
  const parsed = parseKey(await readAdminKey(ctx, profile, options));
  if (!parsed.ok) throw new ExitError(EXIT.keyRejected, `That is not an API key: ${parsed.problem}.`);
  const key = parsed.key;
  term.addSecret(key);
  const hint = maskKey(key);
  const kind = keyKind(key);
  if (kind !== 'admin') {
    if (!options.verify) throw new ExitError(EXIT.forbidden, `This needs an admin key: ${hint} is a ${keyKindLabel(kind)}. Nothing was stored.`, [NEEDS_ADMIN_KEY_FIX, `→ ${PAGES['admin-keys'].url}`]);
    term.err(`${m.warn} ${hint} looks like a ${keyKindLabel(kind)}, not an admin key (sk-admin-…); checking it anyway.`);
  }

  let sample: AdminProject | null | undefined;
  if (options.verify) {
    const spinner = term.spinner('Checking the admin key (listing one project)…');
    try {
      sample = (await ctx.api.admin.listProjects(await adminAuth(ctx, profile, key), { limit: 1 })).data[0] ?? null;
    } catch (error) {
      if (error instanceof ExitError) throw new ExitError(error.code, error.message, [...error.hints, 'The admin key was not stored.']);
      throw error;
    } finally {
      spinner.stop();
    }
    const example = sample ? ` (for example ${sample.name ? `"${sample.name}", ` : ''}${sample.id})` : '; the organization has none yet';
    say(`${m.ok} Admin key ${hint} works: it can list the organization's projects${example}.`);
  }

  let storage: Storage;
  try {
    storage = await ctx.keys.set(adminAccount(profile), key, options.insecureStorage);
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error;
    throw new KeyStoreError(`${describeKeychainProblem(error, ctx.keys.keychainDescription)} The admin key was not stored.`, [
      'Keep it in a file only you can read instead: run again with --insecure-storage, or set OPENAI_ADMIN_KEY yourself.',
    ]);
  }
  await ctx.state.updateProfile(profile, (p) => {
    p.adminKey = { storage, hint, savedAt: ctx.clock.now().toISOString() };
  });
  if (storage === 'keychain') {
    say(`${m.ok} Stored it in the ${ctx.keys.keychainDescription} (service "openai-setup", account "${adminAccount(profile)}"), next to the key of profile "${profile}".`);
  } else {
    say(`${m.warn} Stored it in plain text in ${ctx.keys.filePath} (mode 0600).`);
  }
  const fromEnv = envAdminKey(ctx);
  if (fromEnv && fromEnv !== key) {
    term.err(`${m.warn} OPENAI_ADMIN_KEY in this shell is another admin key (${maskKey(fromEnv)}): rotate and spend use that one while it is set.`);
  }
  if (options.json) {
    term.out(JSON.stringify({ ok: true, profile, hint, storage, checked: options.verify, sampleProject: sample ? { id: sample.id, name: sample.name } : null }, null, 2));
  } else {
    say(`\`openai-setup rotate\` and \`openai-setup spend\` use it from now on; \`openai-setup logout --admin\` removes it.`);
  }
  return EXIT.ok;
}
