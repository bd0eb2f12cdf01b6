/**
 * Keeps secrets out of text: each secret, and every piece of one SECRET_PIECE_LENGTH characters long,
 * is replaced by a label wherever it appears. Pieces count because a message may quote a secret cut
 * short or wrapped, and 8 characters of a key already narrow it down. Used for the API key in the
 * destination's errors (errors.ts) and for every secret in the local server's answers and logs.
 */

/** The length of the pieces looked for; a secret shorter than this is looked for whole. */
export const SECRET_PIECE_LENGTH = 8

/** The secrets to hide; unset ones are skipped. */
export type Secrets = readonly (string | undefined)[]

/**
 * `text` with every piece of the secrets hidden: a run of hidden characters becomes one `label`.
 * Each distinct piece is looked for with `indexOf`, so a long text costs a few native scans.
 */
export function redactPieces(text: string, secrets: Secrets, label: string): string {
  if (!text) return text
  const pieces = new Set<string>()
  for (const secret of secrets) {
    if (!secret) continue
    const size = Math.min(SECRET_PIECE_LENGTH, secret.length)
    for (let start = 0; start + size <= secret.length; start++) pieces.add(secret.slice(start, start + size))
  }
  let hidden: Uint8Array | undefined
  for (const piece of pieces) {
    for (let at = text.indexOf(piece); at !== -1; at = text.indexOf(piece, at + 1)) {
      hidden ??= new Uint8Array(text.length)
      hidden.fill(1, at, at + piece.length)
    }
  }
  if (!hidden) return text
  let out = ''
  for (let at = 0; at < text.length; ) {
    let end = at
    while (end < text.length && hidden[end] === hidden[at]) end++
    out += hidden[at] ? label : text.slice(at, end)
    at = end
  }
  return out
}
