import { redactPieces, type Secrets } from '../../src/api/redact'

/**
 * Keeps secrets (API keys, write keys) out of every answer and log line of the local server: each
 * secret, and any piece of it 8 characters or longer, becomes `[redacted]` (the destination's own
 * rule for its API key, src/api/redact.ts).
 */
export const REDACTED = '[redacted]'

export type { Secrets }

/** `text` with every secret and every 8-character piece of one replaced. */
export function redact(text: string, secrets: Secrets): string {
  return redactPieces(text, secrets, REDACTED)
}

/** A JSON value with `redact` applied to every string in it (keys included). */
export function redactDeep(value: unknown, secrets: Secrets): unknown {
  if (typeof value === 'string') return redact(value, secrets)
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[redact(key, secrets)] = redactDeep(item, secrets)
    return out
  }
  return value
}
