import type { Request, Response } from 'express'
import type { SegmentEvent } from '@segment/actions-core'
import { HttpError } from '../errors'
import type { Logger } from '../log'
import type { Deliverer, DeliveryOutcome } from './delivery'
import { sendsTo } from './integrations'
import { checkMessage, SEGMENT_LIMITS, type Message } from './message'
import { clientRetryStatus } from './retry'
import type { Receipts } from './timestamps'
import { writeKeyOf } from './write-key'

/**
 * Segment's HTTP Tracking API: `POST /v1/<type>` (one message) and `POST /v1/batch`. A message is
 * checked (a bad one is dropped alone, as Segment drops it), stamped (timestamps.ts), checked
 * against its `integrations`, then delivered through the presets (delivery.ts).
 *
 * Every message has an outcome: `delivered`, `not subscribed` (no preset takes its type),
 * `integrations off`, `dropped` (invalid), `failed` (the destination refused it for good), `retry`
 * (a failure that outlasted the server's own retries) or, after a `retry` in a batch,
 * `not attempted`. A request with a `retry` is answered 429 (with Retry-After) or 503, which every
 * Segment client library retries; the messages it had already delivered are then sent again under
 * the same Idempotency-Key, and FullStory replays them instead of storing them twice.
 */
export type Outcome =
  | 'delivered'
  | 'not subscribed'
  | 'integrations off'
  | 'dropped'
  | 'failed'
  | 'retry'
  | 'not attempted'

export interface MessageResult {
  messageId?: string
  outcome: Outcome
  deliveries: Omit<DeliveryOutcome, 'retryable' | 'retryAfter'>[]
  error?: { code: string; message: string }
  /** For `retry`: the status and Retry-After to answer with. */
  retry?: { status: number; retryAfter: number }
}

export interface TrackingContext {
  deliverer: Deliverer
  receipts: Receipts
  log: Logger
  /** The names `integrations` may use for this destination. */
  names: readonly string[]
  /** SEGMENT_WRITE_KEY, when set. */
  writeKey?: string
}

function resultOf(messageId: string | undefined, outcomes: DeliveryOutcome[]): MessageResult {
  const deliveries = outcomes.map(({ action, status, error }) => ({ action, status, ...(error ? { error } : {}) }))
  const failed = outcomes.find((outcome) => outcome.error)
  if (!failed) return { messageId, outcome: outcomes.length ? 'delivered' : 'not subscribed', deliveries }
  if (!failed.retryable) return { messageId, outcome: 'failed', deliveries, error: failed.error }
  const retry = { status: clientRetryStatus(failed.status), retryAfter: failed.retryAfter ?? 1 }
  return { messageId, outcome: 'retry', deliveries, error: failed.error, retry }
}

async function deliverMessage(
  context: TrackingContext,
  message: Message,
  writeKey: string,
  where: string,
  batchSentAt?: unknown
): Promise<MessageResult> {
  const event = context.receipts.stamp(message, writeKey, batchSentAt)
  const messageId = String(event.messageId)
  if (!sendsTo(event.integrations, context.names)) {
    context.log.delivery(where, '-', 200, 0, 'integrations off for this destination')
    return { messageId, outcome: 'integrations off', deliveries: [] }
  }
  const outcomes = await context.deliverer.deliver(event as unknown as SegmentEvent, where)
  if (outcomes.length === 0) context.log.delivery(where, '-', 200, 0, 'not subscribed')
  return resultOf(messageId, outcomes)
}

function dropped(raw: unknown, error: HttpError): MessageResult {
  const messageId = (raw as { messageId?: unknown } | null)?.messageId
  return {
    ...(typeof messageId === 'string' ? { messageId } : {}),
    outcome: 'dropped',
    deliveries: [],
    error: { code: error.code, message: error.message }
  }
}

function sendRetry(res: Response, retry: NonNullable<MessageResult['retry']>, body: unknown): void {
  res.status(retry.status).set('Retry-After', String(retry.retryAfter)).json(body)
}

/** `POST /v1/<type>`: one message. */
export function trackOne(context: TrackingContext, type: string) {
  return async function trackMessage(req: Request, res: Response): Promise<void> {
    const body = req.body as Record<string, unknown>
    const writeKey = writeKeyOf(req.headers.authorization, body, context.writeKey)
    const message = checkMessage(body, type)
    const result = await deliverMessage(context, message, writeKey, `${req.method} ${req.path}`)
    res.locals.note = result.error ? `${result.outcome} ${result.error.code}` : result.outcome
    const { retry, ...answer } = result
    if (retry) return sendRetry(res, retry, { success: false, ...answer })
    if (result.outcome === 'failed') {
      res.status(result.deliveries.find((d) => d.error)?.status ?? 500).json({ success: false, ...answer })
      return
    }
    res.json({ success: true, ...answer })
  }
}

function checkBatch(body: Record<string, unknown>): unknown[] {
  const { batch } = body
  if (!Array.isArray(batch) || batch.length === 0) {
    throw new HttpError(400, 'invalid_batch', 'The body needs "batch": a non-empty array of messages.')
  }
  if (batch.length > SEGMENT_LIMITS.batchMessages) {
    throw new HttpError(
      400,
      'too_many_messages',
      `A batch may hold at most ${SEGMENT_LIMITS.batchMessages} messages; this one has ${batch.length}. Split it.`
    )
  }
  return batch
}

function summary(results: readonly MessageResult[]): string {
  const counts = new Map<Outcome, number>()
  for (const { outcome } of results) counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  return [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ')
}

/** `POST /v1/batch`: `{batch: [...], context?, integrations?, sentAt?}`, each message on its own. */
export function trackBatch(context: TrackingContext) {
  return async function trackMessages(req: Request, res: Response): Promise<void> {
    const body = req.body as Record<string, unknown>
    const writeKey = writeKeyOf(req.headers.authorization, body, context.writeKey)
    const batch = checkBatch(body)
    const shared = { context: body.context, integrations: body.integrations }
    const results: MessageResult[] = []
    let retry: MessageResult | undefined
    for (const [i, raw] of batch.entries()) {
      const where = `${req.method} ${req.path}[${i}]`
      let message: Message
      try {
        message = checkMessage(raw, undefined, shared)
      } catch (error) {
        if (!(error instanceof HttpError)) throw error
        context.log.delivery(where, '-', 400, 0, error.code)
        results.push(dropped(raw, error))
        continue
      }
      if (retry) {
        results.push({ outcome: 'not attempted', deliveries: [] })
        continue
      }
      const result = await deliverMessage(context, message, writeKey, where, body.sentAt)
      results.push(result)
      if (result.retry) retry = result
    }
    res.locals.note = summary(results)
    const answer = { success: !retry, results: results.map(({ retry: _retry, ...result }) => result) }
    if (!retry?.retry) return void res.json(answer)
    const index = results.indexOf(retry)
    const error = {
      code: 'retry',
      message:
        `Message ${index} could not be delivered yet (${retry.error?.code}); send the batch again. ` +
        'Messages already delivered are replayed under their Idempotency-Key, not stored twice.'
    }
    sendRetry(res, retry.retry, { ...answer, error })
  }
}
