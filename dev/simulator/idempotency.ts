/**
 * FullStory's Idempotency-Key (docs/fullstory-api.md), as the simulator plays it:
 * - the first request with a key runs, and its answer (status and body bytes) is saved;
 * - the same key with the same request (method, path, body bytes) gets the saved answer again and
 *   nothing is stored twice;
 * - the same key with another request: 400 `idempotency_key_reused` (FullStory does not document
 *   the status; 400 so that the destination treats it as final);
 * - the same key while the first request still runs: 409 `idempotency_key_in_use`, nothing saved;
 * - following the newer revision of FullStory's docs, 429 and 5xx answers are not saved;
 * - keys are per API key and forgotten after 24 hours (`ttlMs`).
 */
export interface SavedAnswer {
  status: number
  body: string
}

type Entry = { fingerprint: string; expires: number; answer?: SavedAnswer }

export type IdempotencyCheck = 'new' | 'reused' | 'in_flight' | SavedAnswer

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly ttlMs = 24 * 60 * 60 * 1000) {}

  /** Looks the key up; on `new` the key is held until `finish`. */
  begin(id: string, fingerprint: string, now = Date.now()): IdempotencyCheck {
    const entry = this.entries.get(id)
    if (entry && entry.expires > now) return entry.fingerprint !== fingerprint ? 'reused' : entry.answer ?? 'in_flight'
    this.entries.set(id, { fingerprint, expires: now + this.ttlMs })
    return 'new'
  }

  /** Saves the answer of a request `begin` let run; no answer (or a retryable one) releases the key. */
  finish(id: string, answer?: SavedAnswer): void {
    const entry = this.entries.get(id)
    if (!answer || answer.status === 429 || answer.status >= 500) this.entries.delete(id)
    else if (entry) entry.answer = answer
  }

  clear(): void {
    this.entries.clear()
  }
}
