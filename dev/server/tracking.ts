import { randomUUID } from 'crypto'
import type { Destination, JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../../src/generated-types'
import { fromDestinationError } from './errors'
import { HttpError } from './http'

/**
 * Segment's HTTP Tracking API, locally: `POST /v1/identify`, `/v1/track`, `/v1/page` (also `/v1/screen`,
 * `/v1/group`, `/v1/alias`) and `/v1/batch` (`{"batch": [...]}`), authenticated with the write key as
 * the HTTP Basic username and an empty password (or `writeKey` in the body). Each message is checked
 * and completed as Segment does (type, messageId, timestamp, receivedAt), then run through the
 * destination's presets, each turned into a subscription, with `Destination.onEvent`.
 *
 * Size limits are Segment's: 32 KB per message, 500 KB per /v1/batch request.
 */
export const SEGMENT_LIMITS = { messageBytes: 32 * 1024, batchBytes: 500 * 1024 } as const

export const MESSAGE_TYPES: ReadonlySet<string> = new Set(['identify', 'track', 'page', 'screen', 'group', 'alias'])

export interface Subscription {
  name: string
  subscribe: string
  partnerAction: string
  mapping: JSONObject
}

export interface DeliveryOutcome {
  action: string
  status: number
  error?: { code: string; message: string }
  durationMs: number
}

/** The destination's automatic presets as subscriptions. */
export function presetSubscriptions(destination: Destination<Settings>): Subscription[] {
  const subscriptions: Subscription[] = []
  for (const preset of destination.definition.presets ?? []) {
    if (preset.type === 'automatic' && preset.subscribe) {
      subscriptions.push({
        name: preset.name ?? preset.partnerAction,
        subscribe: preset.subscribe,
        partnerAction: preset.partnerAction,
        mapping: preset.mapping ?? {}
      })
    }
  }
  return subscriptions
}

/**
 * The write key from `Authorization: Basic base64(<writeKey>:)` or the body's `writeKey`. Any
 * non-empty key is accepted unless `required` is set.
 */
export function writeKeyOf(
  authorization: string | undefined,
  body: Record<string, unknown>,
  required?: string
): string {
  let key = ''
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    key = colon < 0 ? decoded : decoded.slice(0, colon)
  }
  if (!key && typeof body.writeKey === 'string') key = body.writeKey
  if (!key) {
    throw new HttpError(
      401,
      'unauthorized',
      'Send the source write key as the HTTP Basic username with an empty password (curl -u <writeKey>:).'
    )
  }
  if (required !== undefined && key !== required) {
    throw new HttpError(401, 'unauthorized', 'The write key does not match SEGMENT_WRITE_KEY.')
  }
  return key
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(where: string, message: string): HttpError {
  return new HttpError(400, 'invalid_message', `${where}${message}`)
}

/**
 * Checks one message and fills what Segment fills. `type` is the route's type (single routes) or
 * the message's own (in a batch); `shared` holds a batch's top-level `context` and `integrations`.
 */
export function completeMessage(
  raw: unknown,
  type: string | undefined,
  now: string,
  where = '',
  shared: { context?: unknown; integrations?: unknown } = {}
): SegmentEvent {
  if (!isObject(raw)) throw invalid(where, 'A message must be a JSON object.')
  const message: Record<string, unknown> = { ...raw }
  const messageType = type ?? message.type
  if (typeof messageType !== 'string' || !MESSAGE_TYPES.has(messageType)) {
    throw invalid(where, `"type" must be one of ${[...MESSAGE_TYPES].join(', ')}.`)
  }
  message.type = messageType
  for (const field of ['userId', 'anonymousId'] as const) {
    if (typeof message[field] === 'number') message[field] = String(message[field])
    else if (message[field] !== undefined && message[field] !== null && typeof message[field] !== 'string') {
      throw invalid(where, `"${field}" must be a string.`)
    }
  }
  if (!message.userId && !message.anonymousId) throw invalid(where, 'userId or anonymousId is required.')
  if (messageType === 'track' && (typeof message.event !== 'string' || !message.event.trim())) {
    throw invalid(where, 'A track call needs "event", the name of the event.')
  }
  for (const field of ['traits', 'properties', 'context', 'integrations']) {
    if (message[field] !== undefined && !isObject(message[field])) throw invalid(where, `"${field}" must be an object.`)
  }
  for (const field of ['timestamp', 'sentAt', 'originalTimestamp']) {
    const value = message[field]
    if (value !== undefined && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
      throw invalid(where, `"${field}" must be an ISO-8601 date-time.`)
    }
  }
  if (message.messageId !== undefined && (typeof message.messageId !== 'string' || !message.messageId)) {
    throw invalid(where, '"messageId" must be a non-empty string.')
  }
  if (Buffer.byteLength(JSON.stringify(message)) > SEGMENT_LIMITS.messageBytes) {
    throw new HttpError(400, 'message_too_large', `${where}A message may be at most 32 KB.`)
  }
  if (isObject(shared.context)) message.context = { ...shared.context, ...(message.context as object | undefined) }
  if (isObject(shared.integrations)) {
    message.integrations = { ...shared.integrations, ...(message.integrations as object | undefined) }
  }
  message.messageId ??= `api-${randomUUID()}`
  message.timestamp ??= now
  message.receivedAt = now
  message.channel ??= 'server'
  return message as unknown as SegmentEvent
}

/** Runs one message through every preset that subscribes to it. */
export async function deliverMessage(
  destination: Destination<Settings>,
  subscriptions: readonly Subscription[],
  event: SegmentEvent,
  apiKey: string
): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = []
  for (const subscription of subscriptions) {
    const started = performance.now()
    const settings = { apiKey, subscriptions: [subscription] } as unknown as JSONObject
    try {
      const results = await destination.onEvent(event, settings)
      if (results.length === 1 && results[0].output === 'not subscribed') continue
      outcomes.push({ action: subscription.partnerAction, status: 200, durationMs: performance.now() - started })
    } catch (error) {
      const failure = fromDestinationError(error, [apiKey])
      outcomes.push({
        action: subscription.partnerAction,
        status: failure.status,
        error: { code: failure.code, message: failure.message },
        durationMs: performance.now() - started
      })
    }
  }
  return outcomes
}
