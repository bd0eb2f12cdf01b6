/**
 * Keeps secrets out of text (docs/rules.md#what-errors-never-say): the API key in the destination's
 * errors, and every secret in the local server's answers and logs.
 */

/** The length of the pieces of a secret looked for; a secret shorter than this is looked for whole. */
export const SECRET_PIECE_LENGTH = 8

/** The secrets to hide; unset ones are skipped. */
export type Secrets = readonly (string | undefined)[]

/** Whitespace and invisible characters, which an echo may wrap a secret with or slip into it. */
const FILLER = /[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/

/** The forms a secret may be echoed in: as is, percent-encoded, hex, and base64 at any byte alignment. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const hex = bytes.toString('hex')
  const found = [secret, encodeURIComponent(secret), hex, hex.toUpperCase()]
  for (let shift = 0; shift < 3; shift++) {
    // Only the base64 characters that depend on the secret's bytes alone.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const core = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4)
    found.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return found.filter((form, index) => index === 0 || form.length >= SECRET_PIECE_LENGTH)
}

function pieces(secrets: Secrets): Set<string> {
  const all = new Set<string>()
  for (const secret of secrets) {
    if (!secret) continue
    for (const form of forms(secret)) {
      const size = Math.min(SECRET_PIECE_LENGTH, form.length)
      for (let at = 0; at + size <= form.length; at++) all.add(form.slice(at, at + size))
    }
  }
  return all
}

/**
 * `text` with every piece of the secrets hidden, whatever whitespace or invisible characters lie
 * between its characters: a run of hidden characters becomes one `label`.
 */
export function redactPieces(text: string, secrets: Secrets, label: string): string {
  if (!text) return text
  let view = ''
  const origin: number[] = []
  for (let at = 0; at < text.length; at++) {
    if (FILLER.test(text[at])) continue
    view += text[at]
    origin.push(at)
  }
  let hidden: Uint8Array | undefined
  for (const piece of pieces(secrets)) {
    for (let at = view.indexOf(piece); at !== -1; at = view.indexOf(piece, at + 1)) {
      hidden ??= new Uint8Array(text.length)
      hidden.fill(1, origin[at], origin[at + piece.length - 1] + 1)
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
