import { randomUUID } from 'crypto'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { retryAfterSeconds } from '../../src/api/errors'
import { HttpError, sleep } from '../http'
import { failureOf } from './runtime'
import type { Call, Context, Reply } from '.'

/**
 * Segment's HTTP Tracking API, `POST /v1/<type>` and `POST /v1/batch` (dev/README.md): each message
 * checked (a bad one dropped alone), stamped, checked against its `integrations`, then delivered
 * through each preset that takes it (`Destination.onEvent`), a retryable failure retried here first.
 */
export const SEGMENT_LIMITS = { messageBytes: 32 * 1024, batchBytes: 500 * 1024, batchMessages: 2500 }
export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias']
/**
 * The deepest nesting of arrays and objects accepted in a message. actions-core's mapping recurses
 * and runs out of stack a few thousand levels down (a 32 KB message can nest 16,000).
 */
export const MAX_DEPTH = 1000

export interface RetryPolicy {
  /** Attempts per delivery, the first included (1: the server never retries). */
  attempts: number
  /** The wait before the first retry; each next one waits 4 times longer, at most `maxDelayMs`. */
  baseDelayMs: number
  /** A Retry-After longer than this goes back to the client. */
  maxDelayMs: number
}
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }

type Message = Record<string, unknown> & { type: string }
type Outcome = 'delivered' | 'not subscribed' | 'integrations off' | 'dropped' | 'failed' | 'retry' | 'not attempted'
interface Delivery {
  action: string
  status: number
  error?: { code: string; message: string }
}
interface Result {
  messageId?: string
  outcome: Outcome
  deliveries: Delivery[]
  error?: { code: string; message: string }
  /** For `retry`: the status and Retry-After to answer with. */
  retry?: { status: number; retryAfter: number }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const invalid = (message: string) => new HttpError(400, 'invalid_message', message)

/** True when `value` nests arrays and objects deeper than `limit` (counted without recursion). */
export function nestedDeeperThan(value: unknown, limit = MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [current, depth] = item
    if (typeof current !== 'object' || current === null) continue
    if (depth >= limit) return true
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return false
}

/** Statuses worth another attempt: those Segment retries (the destination's error table). */
export const isRetryable = (status: number) => [408, 423, 429].includes(status) || (status >= 500 && status !== 501)

/** The status for a client when a retryable failure outlasted the retries: its own if Segment's libraries retry it, else 503. */
export const clientRetryStatus = (status: number) =>
  status === 408 || status === 429 || (status >= 500 && ![501, 505, 511].includes(status)) ? status : 503

/** The wait before attempt `attempt + 1`, or undefined to stop retrying here. */
export function waitBeforeRetry(policy: RetryPolicy, attempt: number, retryAfter?: number): number | undefined {
  if (attempt >= policy.attempts) return undefined
  if (retryAfter === undefined) return Math.min(policy.baseDelayMs * 4 ** (attempt - 1), policy.maxDelayMs)
  return retryAfter * 1000 <= policy.maxDelayMs ? retryAfter * 1000 : undefined
}

/**
 * The write key: `Authorization: Basic base64(<writeKey>:)` (the scheme in any case, strict base64),
 * else `writeKey` in the body. Any non-empty key unless `required` (SEGMENT_WRITE_KEY) is set.
 */
export function writeKeyOf(
  authorization: string | undefined,
  body: Record<string, unknown>,
  required?: string
): string {
  const how = 'Send the source write key as the HTTP Basic username with an empty password (curl -u <writeKey>:).'
  const encoded = /^basic\s+(\S*)\s*$/i.exec(authorization ?? '')?.[1]
  if (
    encoded !== undefined &&
    !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded || '!')
  ) {
    throw new HttpError(401, 'unauthorized', `The Authorization header is not valid base64. ${how}`)
  }
  let key = encoded ? Buffer.from(encoded, 'base64').toString('utf8').split(':')[0] : ''
  if (!key && typeof body.writeKey === 'string') key = body.writeKey
  if (!key) throw new HttpError(401, 'unauthorized', how)
  if (required !== undefined && key !== required) {
    throw new HttpError(401, 'unauthorized', 'The write key does not match SEGMENT_WRITE_KEY.')
  }
  return key
}

/**
 * The names `integrations` may give this destination: both spellings of its name (Segment's
 * catalog writes "Fullstory") and its slug. Case-sensitive, as Segment matches them.
 */
export function destinationNames({ name, slug }: { name: string; slug?: string }): string[] {
  const spellings = [name.replace('Fullstory', 'FullStory'), name.replace('FullStory', 'Fullstory'), slug]
  return [...new Set(spellings.filter((spelling): spelling is string => Boolean(spelling)))]
}

/** Segment's rule: `"All": false` turns every destination off unless it is named truthy; named `false`, it is off. */
export function sendsTo(integrations: unknown, names: readonly string[]): boolean {
  if (!isObject(integrations)) return true
  const named = names.find((name) => Object.prototype.hasOwnProperty.call(integrations, name))
  return named === undefined ? integrations.All !== false : integrations[named] !== false
}

/**
 * One message checked as Segment checks it: a known `type` (the route's, or the message's own in a
 * batch), a userId or an anonymousId, an `event` on a track, objects where objects belong, dates,
 * at most 32 KB and 1000 levels deep. A batch's `context` and `integrations` are merged in.
 */
export function checkMessage(raw: unknown, type?: string, shared: Record<string, unknown> = {}): Message {
  if (!isObject(raw)) throw invalid('A message must be a JSON object.')
  const { writeKey: _writeKey, ...message } = raw
  message.type = type ?? message.type
  if (typeof message.type !== 'string' || !MESSAGE_TYPES.includes(message.type)) {
    throw invalid(`"type" must be one of ${MESSAGE_TYPES.join(', ')}.`)
  }
  for (const field of ['userId', 'anonymousId']) {
    if (typeof message[field] === 'number') message[field] = String(message[field])
    else if (message[field] != null && typeof message[field] !== 'string') throw invalid(`"${field}" must be a string.`)
  }
  if (!message.userId && !message.anonymousId) throw invalid('userId or anonymousId is required.')
  if (message.type === 'track' && (typeof message.event !== 'string' || !message.event.trim())) {
    throw invalid('A track call needs "event", the name of the event.')
  }
  for (const field of ['traits', 'properties', 'context', 'integrations']) {
    if (message[field] !== undefined && !isObject(message[field])) throw invalid(`"${field}" must be an object.`)
  }
  for (const field of ['timestamp', 'sentAt', 'originalTimestamp']) {
    const value = message[field]
    if (value !== undefined && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
      throw invalid(`"${field}" must be an ISO-8601 date-time.`)
    }
  }
  if (message.messageId !== undefined && (typeof message.messageId !== 'string' || !message.messageId)) {
    throw invalid('"messageId" must be a non-empty string.')
  }
  const merged = { ...message }
  for (const field of ['context', 'integrations']) {
    if (isObject(shared[field])) merged[field] = { ...shared[field], ...(message[field] as object | undefined) }
  }
  if (nestedDeeperThan(merged)) {
    throw new HttpError(400, 'too_deeply_nested', `A message may nest arrays and objects at most ${MAX_DEPTH} deep.`)
  }
  if (Buffer.byteLength(JSON.stringify(message)) > SEGMENT_LIMITS.messageBytes) {
    throw new HttpError(400, 'message_too_large', 'A message may be at most 32 KB.')
  }
  return merged as Message
}

/**
 * What Segment adds to a message it receives (Segment Spec, "Timestamps"): `messageId`
 * (`api-<uuid>`) when absent, `receivedAt`, `channel: server`, and a `timestamp` when absent,
 * corrected for the sender's clock: `receivedAt - (sentAt - originalTimestamp)` (`sentAt` from the
 * message or its batch); without `sentAt`, `originalTimestamp`; without either, `receivedAt`.
 */
export function skewCorrected(message: Message, receivedAt: string, batchSentAt?: unknown): string {
  if (typeof message.timestamp === 'string') return message.timestamp
  const original = Date.parse(String(message.originalTimestamp))
  const sentAt = Date.parse(String(message.sentAt ?? batchSentAt))
  if (Number.isNaN(original)) return receivedAt
  return new Date(Number.isNaN(sentAt) ? original : Date.parse(receivedAt) - (sentAt - original)).toISOString()
}

/**
 * A message received again (same write key and messageId: a client retrying) gets what its first
 * receipt got, so it is the same delivery: the same request under the same Idempotency-Key, which
 * FullStory replays. Receipts live 24 hours (as an Idempotency-Key does), at most `capacity`.
 */
export class Receipts {
  private readonly byKey = new Map<string, { receivedAt: string; timestamp: string; at: number }>()

  constructor(private readonly capacity = 100_000, private readonly ttlMs = 24 * 60 * 60 * 1000) {}

  stamp(message: Message, writeKey: string, batchSentAt?: unknown, now = Date.now()): Message {
    const stamped: Message = { ...message, messageId: message.messageId ?? `api-${randomUUID()}` }
    const key = `${writeKey}\n${String(stamped.messageId)}`
    let receipt = this.byKey.get(key)
    if (!receipt || now - receipt.at > this.ttlMs) {
      const receivedAt = new Date(now).toISOString()
      receipt = { receivedAt, timestamp: skewCorrected(message, receivedAt, batchSentAt), at: now }
      this.byKey.delete(key)
      this.byKey.set(key, receipt)
      for (const [old, { at }] of this.byKey) {
        if (this.byKey.size <= this.capacity && now - at <= this.ttlMs) break
        this.byKey.delete(old)
      }
    }
    return {
      ...stamped,
      receivedAt: receipt.receivedAt,
      timestamp: receipt.timestamp,
      channel: message.channel ?? 'server'
    }
  }
}

/** One message through every preset that takes it; stops at a failure the client should retry. */
async function deliver(
  t: Context,
  message: Message,
  writeKey: string,
  where: string,
  sentAt?: unknown
): Promise<Result> {
  const event = t.receipts.stamp(message, writeKey, sentAt)
  const result: Result = { messageId: String(event.messageId), outcome: 'not subscribed', deliveries: [] }
  if (!sendsTo(event.integrations, t.names)) {
    t.log(where, '-', '200', '0ms', 'integrations off for this destination')
    return { ...result, outcome: 'integrations off' }
  }
  for (const subscription of t.runtime.subscriptions) {
    const settings = { apiKey: t.runtime.apiKey, subscriptions: [subscription] } as unknown as JSONObject
    const action = subscription.partnerAction
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      const ran = await t.runtime.run((destination) => destination.onEvent(event as unknown as SegmentEvent, settings))
      const ms = `${Math.round(performance.now() - started)}ms`
      if (!ran.failed && ran.value?.[0]?.output === 'not subscribed') break
      if (!ran.failed) {
        t.log(where, action, '200', ms)
        result.deliveries.push({ action, status: 200 })
        result.outcome = 'delivered'
        break
      }
      const { status, code, message: text } = failureOf(ran.error, t.runtime.secrets())
      const limited = ran.exchanges.filter((exchange) => exchange.response.statusCode === 429).pop()
      const retryAfter = limited && retryAfterSeconds(limited.response.headers['retry-after'])
      const wait = isRetryable(status) ? waitBeforeRetry(t.retry, attempt, retryAfter) : undefined
      if (wait !== undefined) {
        t.log(where, action, String(status), ms, `${code}; retry ${attempt} of ${t.retry.attempts - 1} in ${wait}ms`)
        await sleep(wait)
        continue
      }
      t.log(where, action, String(status), ms, isRetryable(status) ? `${code}; left to the client to retry` : code)
      const error = { code, message: text }
      result.deliveries.push({ action, status, error })
      if (!isRetryable(status)) return { ...result, outcome: 'failed', error }
      return {
        ...result,
        outcome: 'retry',
        error,
        retry: { status: clientRetryStatus(status), retryAfter: retryAfter ?? 1 }
      }
    }
  }
  if (result.outcome === 'not subscribed') t.log(where, '-', '200', '0ms', 'not subscribed')
  return result
}

const answer = ({ retry, ...result }: Result, body: object, note: string): Reply =>
  retry
    ? { status: retry.status, headers: { 'Retry-After': String(retry.retryAfter) }, body, note }
    : { status: result.outcome === 'failed' ? result.deliveries.find((d) => d.error)?.status : 200, body, note }

/** `POST /v1/<type>`: one message. */
export async function trackOne(t: Context, { req, body, path }: Call): Promise<Reply> {
  const writeKey = writeKeyOf(req.headers.authorization, body, t.writeKey)
  const result = await deliver(t, checkMessage(body, path.slice('/v1/'.length)), writeKey, `POST ${path}`)
  const { retry: _retry, ...shown } = result
  const success = result.outcome !== 'retry' && result.outcome !== 'failed'
  return answer(result, { success, ...shown }, result.error ? `${result.outcome} ${result.error.code}` : result.outcome)
}

/** `POST /v1/batch`: `{batch: [...], context?, integrations?, sentAt?}`, each message on its own. */
export async function trackBatch(t: Context, { req, body, path }: Call): Promise<Reply> {
  const writeKey = writeKeyOf(req.headers.authorization, body, t.writeKey)
  const { batch } = body
  if (!Array.isArray(batch) || batch.length === 0) {
    throw new HttpError(400, 'invalid_batch', 'The body needs "batch": a non-empty array of messages.')
  }
  if (batch.length > SEGMENT_LIMITS.batchMessages) {
    const message = `A batch may hold at most ${SEGMENT_LIMITS.batchMessages} messages; this one has ${batch.length}. Split it.`
    throw new HttpError(400, 'too_many_messages', message)
  }
  const results: Result[] = []
  let retry: Result | undefined
  for (const [i, raw] of batch.entries()) {
    const where = `POST ${path}[${i}]`
    let message: Message
    try {
      message = checkMessage(raw, undefined, body)
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      t.log(where, '-', '400', '0ms', error.code)
      const messageId = isObject(raw) && typeof raw.messageId === 'string' ? raw.messageId : undefined
      results.push({
        messageId,
        outcome: 'dropped',
        deliveries: [],
        error: { code: error.code, message: error.message }
      })
      continue
    }
    if (retry) {
      results.push({ outcome: 'not attempted', deliveries: [] })
      continue
    }
    const result = await deliver(t, message, writeKey, where, body.sentAt)
    results.push(result)
    if (result.retry) retry = result
  }
  const counts = new Map<Outcome, number>()
  for (const { outcome } of results) counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  const note = [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ')
  const shown = { success: !retry, results: results.map(({ retry: _retry, ...result }) => result) }
  if (!retry) return { body: shown, note }
  const error = {
    code: 'retry',
    message:
      `Message ${results.indexOf(retry)} could not be delivered yet (${retry.error?.code}); send the batch again. ` +
      'Messages already delivered are replayed under their Idempotency-Key, not stored twice.'
  }
  return answer(retry, { ...shown, error }, note)
}
