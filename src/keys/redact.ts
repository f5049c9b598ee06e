// Secrets out of any text that may be shown or stored: the known keys, and anything shaped like one.
import { maskKey } from './format.js';

// Anything that looks like an OpenAI secret key, wherever it appears in a text.
const KEY_PATTERN = /\bsk-[A-Za-z0-9_-]{16,}/g;
// The API echoes a wrong key as `sk-proj-*****…*****21sA` ("Incorrect API key provided: …"): shorten the stars.
const ECHOED_MASK = /([A-Za-z0-9_-]{0,12})\*{6,}([A-Za-z0-9_-]{0,4})/g;

/** Remove every secret from a text that may be shown or stored (SDK errors can quote the key). */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join(maskKey(secret));
  }
  return out.replace(KEY_PATTERN, (m) => maskKey(m)).replace(ECHOED_MASK, '$1…$2');
}
