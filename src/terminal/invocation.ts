// How the person started the tool, so that every command it recommends works as printed where
// they are: under `npx` (npm sets npm_command=exec for it) the bare name is not on their PATH.
export function invocationName(env: Record<string, string | undefined>): string {
  return env.npm_command === 'exec' ? 'npx openai-setup' : 'openai-setup';
}
