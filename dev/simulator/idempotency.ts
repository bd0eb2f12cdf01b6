/**
 * FullStory's Idempotency-Key (docs/fullstory-api.md), as the simulator plays it:
 * - the first request with a key runs, and its answer (status and body bytes) is saved;
 * - the same key with the same request (method, path, body bytes) gets the saved answer again and
 *   nothing is stored twice;
 * - the same key with another request gets 400 `idempotency_key_reused` (FullStory's status for this
 *   is not documented; the simulator answers 400 so the destination treats it as final);
 * - the same key while the first request is still running gets 409 `idempotency_key_in_use`, and
 *   nothing is saved for the second one (FullStory documents that collisions are not saved);
 * - following the newer revision of FullStory's docs, 429 and 5xx answers are not saved, so a retry
 *   with the same key runs again;
 * - keys are per API key and are forgotten after 24 hours (`ttlMs`).
 */
export interface SavedAnswer {
  status: number
  body: string
}

interface Entry {
  fingerprint: string
  expires: number
  answer?: SavedAnswer
}

export type IdempotencyCheck =
  | { kind: 'new' }
  | { kind: 'replay'; answer: SavedAnswer }
  | { kind: 'reused' }
  | { kind: 'in_flight' }

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly ttlMs = IDEMPOTENCY_TTL_MS) {}

  /** Looks the key up; on `new` the key is held until `finish` or `abandon`. */
  begin(scope: string, key: string, fingerprint: string, now = Date.now()): IdempotencyCheck {
    const id = `${scope}\n${key}`
    const entry = this.entries.get(id)
    if (entry && entry.expires > now) {
      if (entry.fingerprint !== fingerprint) return { kind: 'reused' }
      return entry.answer ? { kind: 'replay', answer: entry.answer } : { kind: 'in_flight' }
    }
    this.entries.set(id, { fingerprint, expires: now + this.ttlMs })
    return { kind: 'new' }
  }

  /** Saves the answer of a request that `begin` let run (unless it is retryable: 429 or 5xx). */
  finish(scope: string, key: string, answer: SavedAnswer): void {
    const id = `${scope}\n${key}`
    if (answer.status === 429 || answer.status >= 500) {
      this.entries.delete(id)
      return
    }
    const entry = this.entries.get(id)
    if (entry) entry.answer = answer
  }

  /** Releases a key whose request ended without an answer to save. */
  abandon(scope: string, key: string): void {
    this.entries.delete(`${scope}\n${key}`)
  }

  clear(): void {
    this.entries.clear()
  }
}
