import { randomUUID } from 'crypto'
import type { Message } from './message'

/**
 * What Segment adds to a message it receives (Segment Spec, "Timestamps"): `receivedAt`, and a
 * `timestamp` when the message has none, corrected for the sender's clock skew:
 * `receivedAt - (sentAt - originalTimestamp)` (`sentAt` from the message or its batch). Without
 * `sentAt` the `originalTimestamp` stands; without either, `receivedAt`. Also `messageId`
 * (`api-<uuid>`) when absent, and `channel: server`.
 *
 * A message sent again (same write key and messageId: a client retrying after an error or a lost
 * answer) gets what the first receipt got, so it is the same delivery: the destination sends the
 * very same request under the same Idempotency-Key, and FullStory answers it as a replay, where a
 * fresh `receivedAt` would make a different body and a conflict. Receipts are remembered for 24
 * hours (as long as FullStory keeps an Idempotency-Key), at most `capacity` of them.
 */
export function skewCorrected(message: Message, receivedAt: string, batchSentAt?: unknown): string {
  if (typeof message.timestamp === 'string') return message.timestamp
  const original = typeof message.originalTimestamp === 'string' ? Date.parse(message.originalTimestamp) : NaN
  const sentAtText = typeof message.sentAt === 'string' ? message.sentAt : batchSentAt
  const sentAt = typeof sentAtText === 'string' ? Date.parse(sentAtText) : NaN
  if (Number.isNaN(original)) return receivedAt
  if (Number.isNaN(sentAt)) return new Date(original).toISOString()
  return new Date(Date.parse(receivedAt) - (sentAt - original)).toISOString()
}

interface Receipt {
  receivedAt: string
  timestamp: string
  at: number
}

export const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000

export class Receipts {
  private readonly byKey = new Map<string, Receipt>()

  constructor(private readonly capacity = 100_000, private readonly ttlMs = RECEIPT_TTL_MS) {}

  /** The message as delivered: messageId, receivedAt and timestamp filled as on its first receipt. */
  stamp(message: Message, writeKey: string, batchSentAt?: unknown, now = Date.now()): Message {
    const stamped: Message = { ...message, messageId: message.messageId ?? `api-${randomUUID()}` }
    const key = `${writeKey}\n${String(stamped.messageId)}`
    let receipt = this.byKey.get(key)
    if (!receipt || now - receipt.at > this.ttlMs) {
      const receivedAt = new Date(now).toISOString()
      receipt = { receivedAt, timestamp: skewCorrected(message, receivedAt, batchSentAt), at: now }
      this.byKey.delete(key)
      this.byKey.set(key, receipt)
      this.evict(now)
    }
    stamped.receivedAt = receipt.receivedAt
    stamped.timestamp = typeof message.timestamp === 'string' ? message.timestamp : receipt.timestamp
    stamped.channel ??= 'server'
    return stamped
  }

  private evict(now: number): void {
    for (const [key, receipt] of this.byKey) {
      if (this.byKey.size <= this.capacity && now - receipt.at <= this.ttlMs) break
      this.byKey.delete(key)
    }
  }
}
