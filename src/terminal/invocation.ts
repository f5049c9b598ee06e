// How the person started the tool, so that every command it recommends works as printed where
// they are: under `npx` (npm sets npm_command=exec for it) the bare name is not on their PATH.
export function invocationName(env: Record<string, string | undefined>): string {
  return env.npm_command === 'exec' ? 'npx openai-setup' : 'openai-setup';
}

/** ` --profile NAME` for a command recommended for a profile other than the default; else nothing. */
export function profileFlag(profile: string | undefined): string {
  return profile === undefined || profile === 'default' ? '' : ` --profile ${profile}`;
}

/**
 * Advice as this person can type it. Texts name the tool `openai-setup` wherever they recommend a
 * command (many come from pure modules that know nothing of how the tool was started); under npx
 * each such command starts `npx openai-setup` instead. A command is the name followed by one of
 * the tool's commands or a flag, or the name alone in backticks: the name as a word in a sentence
 * ("openai-setup keeps no copy") or in a path stays as it is.
 */
export function adviceFor(name: string, commands: readonly string[]): (text: string) => string {
  if (name === 'openai-setup') return (text) => text;
  const pattern = new RegExp(`(?<![\\w/.@"-])(?<!npx )openai-setup(?=\`| (?:${commands.join('|')})\\b| -{1,2}[a-z])`, 'g');
  return (text) => text.replace(pattern, name);
}
