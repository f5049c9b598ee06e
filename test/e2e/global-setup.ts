// The end-to-end suite runs the real parts a person's machine has: a Secret Service
// (gnome-keyring in a private D-Bus session, read back with secret-tool), git, and the shells the
// completion scripts are for. A missing one fails the run here, by name, instead of skipping
// tests (a skipped test proves nothing). `.ci/run` installs them all on a fresh Debian machine.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { missingKeyringPrograms } from '../helpers/keyring.js';
import { REPO_ROOT } from '../helpers/env.js';

const onPath = (program: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export default function setup(): void {
  const missing = [...missingKeyringPrograms(), ...['git', 'bash', 'zsh', 'fish', 'python3', 'openssl'].filter((p) => !onPath(p))];
  if (!existsSync('/usr/share/bash-completion/bash_completion')) missing.push('bash-completion');
  if (missing.length) {
    throw new Error(`The end-to-end tests need ${missing.join(', ')}: run .ci/run, or apt-get install dbus gnome-keyring libsecret-tools git zsh fish bash-completion python3 openssl`);
  }
  if (!existsSync(join(REPO_ROOT, 'dist', 'boot.cjs'))) throw new Error('dist/ is not built: run `npm run build` (npm test and npm run test:e2e build first).');
}
