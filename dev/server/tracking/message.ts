import { HttpError } from '../errors'

/**
 * One Segment message, checked as Segment's tracking API checks it (HTTP Tracking API reference,
 * "Max request size" and "Errors"): a known `type`, a userId or an anonymousId, an `event` on a
 * track call, objects where objects belong, ISO-8601 dates, at most 32 KB. A batch's top-level
 * `context` and `integrations` are merged into each of its messages.
 */
export const SEGMENT_LIMITS = {
  /** One message, on its own route or inside a batch. */
  messageBytes: 32 * 1024,
  /** One /v1/batch request. */
  batchBytes: 500 * 1024,
  /** Messages in one /v1/batch request. */
  batchMessages: 2500
} as const

export const MESSAGE_TYPES: ReadonlySet<string> = new Set(['identify', 'track', 'page', 'screen', 'group', 'alias'])

export type Message = Record<string, unknown> & { type: string }

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_message', message)
}

export function isDate(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/**
 * The message, checked, with a copy of its fields. `type` is the route's (single routes) or the
 * message's own (in a batch); `shared` holds a batch's `context` and `integrations`.
 */
export function checkMessage(
  raw: unknown,
  type: string | undefined,
  shared: { context?: unknown; integrations?: unknown } = {}
): Message {
  if (!isObject(raw)) throw invalid('A message must be a JSON object.')
  const message: Record<string, unknown> = { ...raw }
  delete message.writeKey
  const messageType = type ?? message.type
  if (typeof messageType !== 'string' || !MESSAGE_TYPES.has(messageType)) {
    throw invalid(`"type" must be one of ${[...MESSAGE_TYPES].join(', ')}.`)
  }
  message.type = messageType
  for (const field of ['userId', 'anonymousId'] as const) {
    if (typeof message[field] === 'number') message[field] = String(message[field])
    else if (message[field] !== undefined && message[field] !== null && typeof message[field] !== 'string') {
      throw invalid(`"${field}" must be a string.`)
    }
  }
  if (!message.userId && !message.anonymousId) throw invalid('userId or anonymousId is required.')
  if (messageType === 'track' && (typeof message.event !== 'string' || !message.event.trim())) {
    throw invalid('A track call needs "event", the name of the event.')
  }
  for (const field of ['traits', 'properties', 'context', 'integrations']) {
    if (message[field] !== undefined && !isObject(message[field])) throw invalid(`"${field}" must be an object.`)
  }
  for (const field of ['timestamp', 'sentAt', 'originalTimestamp']) {
    if (message[field] !== undefined && !isDate(message[field])) {
      throw invalid(`"${field}" must be an ISO-8601 date-time.`)
    }
  }
  if (message.messageId !== undefined && (typeof message.messageId !== 'string' || !message.messageId)) {
    throw invalid('"messageId" must be a non-empty string.')
  }
  if (Buffer.byteLength(JSON.stringify(message)) > SEGMENT_LIMITS.messageBytes) {
    throw new HttpError(400, 'message_too_large', 'A message may be at most 32 KB.')
  }
  if (isObject(shared.context)) message.context = { ...shared.context, ...(message.context as object | undefined) }
  if (isObject(shared.integrations)) {
    message.integrations = { ...shared.integrations, ...(message.integrations as object | undefined) }
  }
  return message as Message
}
