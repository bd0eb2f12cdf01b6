/**
 * Keeps secrets (API keys, write keys) out of every answer and log line of the local server: each
 * secret, and any piece of it 8 characters or longer, becomes `[redacted]`. Pieces count because a
 * message may quote a key cut short or wrapped, and 8 characters of a key already narrow it down.
 */
export const REDACTED = '[redacted]'

/** Pieces shorter than this are not looked for (they would match ordinary words). */
export const MIN_PIECE = 8

export type Secrets = readonly (string | undefined)[]

/** Marks in `covered` every character of `text` that lies in a piece of `secret` found there. */
function markPieces(text: string, secret: string, covered: boolean[]): void {
  const size = Math.min(MIN_PIECE, secret.length)
  for (let start = 0; start + size <= secret.length; start++) {
    const piece = secret.slice(start, start + size)
    for (let at = text.indexOf(piece); at >= 0; at = text.indexOf(piece, at + 1)) {
      for (let i = at; i < at + size; i++) covered[i] = true
    }
  }
}

/** `text` with every secret and every 8-character piece of one replaced. */
export function redact(text: string, secrets: Secrets): string {
  const covered: boolean[] = new Array<boolean>(text.length).fill(false)
  let any = false
  for (const secret of secrets) {
    if (!secret) continue
    markPieces(text, secret, covered)
    any = true
  }
  if (!any || !covered.includes(true)) return text
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) out += text[i]
    else if (i === 0 || !covered[i - 1]) out += REDACTED
  }
  return out
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
