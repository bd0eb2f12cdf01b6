import { PayloadValidationError, type ModifiedResponse, type RequestClient } from '@segment/actions-core'
import type { Payload as TrackPayload } from '../track-event/generated-types'
import { callFullStory, delivery, endpoints } from './client'
import { sendBatch } from './batch'
import { buildEventContext } from './context'
import { hasFullStoryCode } from './errors'
import { messageKey } from './idempotency'
import { identifyEvent, type EventIdentity } from './identity'
import { normalizeProperties } from './properties'
import { parseTimestamp } from './timestamp'
import type { CreateEventRequest } from './types'

/**
 * Track Custom Event -> `POST /v2/events` (https://developer.fullstory.com/server/events/create-event/).
 *
 * `buildEventRequest` is pure and deterministic: the same payload always gives the same request, with
 * its keys in one fixed order, so the same JSON byte for byte (batch rows reuse it).
 */

/**
 * The longest event name we send. FullStory's server limit is not published; its browser API caps
 * names at 250 characters. A longer name is cut (deterministically, never inside a character) rather
 * than rejected, so the event is kept under a name that FullStory's other APIs also accept.
 */
export const MAX_EVENT_NAME_LENGTH = 250

/** FullStory's error code for a session that holds too many events to take more. */
export const SESSION_FULL_CODE = 'session_page_limit_exceeded'

/** The event name to send: trimmed, at most MAX_EVENT_NAME_LENGTH UTF-16 units; throws when empty. */
export function eventName(name: string | null | undefined): string {
  const trimmed = typeof name === 'string' ? name.trim() : ''
  if (trimmed === '') {
    throw new PayloadValidationError(
      'Event Name is empty; FullStory requires every event to have a name. Map Event Name (by default the ' +
        "track call's event) to a non-empty value; the event was not sent."
    )
  }
  if (trimmed.length <= MAX_EVENT_NAME_LENGTH) return trimmed
  let cut = ''
  for (const character of trimmed) {
    if (cut.length + character.length > MAX_EVENT_NAME_LENGTH) break
    cut += character
  }
  return cut
}

/**
 * The request in the identification form `identity`: its members in one fixed order and without the
 * unset ones, so the JSON (and its key order) is the same every time. Written member by member: one
 * object, no intermediate copies.
 */
function withIdentity(base: CreateEventRequest, identity: EventIdentity): CreateEventRequest {
  const request: CreateEventRequest = { name: base.name }
  if (base.timestamp !== undefined) request.timestamp = base.timestamp
  if (identity.user !== undefined) request.user = identity.user
  if (identity.session !== undefined) request.session = identity.session
  if (base.context !== undefined) request.context = base.context
  if (base.properties !== undefined) request.properties = base.properties
  if (base.schema !== undefined) request.schema = base.schema
  return request
}

/**
 * The FullStory request for one Track Custom Event payload, in the identification form of
 * `identifyEvent`. Throws PayloadValidationError for a payload FullStory would refuse.
 */
export function buildEventRequest(payload: TrackPayload): CreateEventRequest {
  return buildEvent(payload).request
}

interface BuiltEvent {
  request: CreateEventRequest
  /** The same event in the user form, for a session that is full; only when a User ID is known. */
  fallback?: CreateEventRequest
}

function buildEvent(payload: TrackPayload): BuiltEvent {
  const name = eventName(payload.name)
  const { identity, fallback } = identifyEvent(payload)
  const { properties, schema } = normalizeProperties(payload.properties, payload.propertyTypes)
  const hasSchema = schema !== undefined && Object.keys(schema.properties).length > 0
  const base: CreateEventRequest = {
    name,
    timestamp: parseTimestamp(payload.timestamp),
    context: buildEventContext(payload.context),
    properties: Object.keys(properties).length > 0 ? properties : undefined,
    schema: hasSchema ? schema : undefined
  }
  return {
    request: withIdentity(base, identity),
    fallback: fallback && withIdentity(base, fallback)
  }
}

/**
 * Sends one event. When FullStory answers that the session named by Session URL is full
 * (400 `session_page_limit_exceeded`) and a User ID is known, the event is sent once more in the user
 * form. That resend is another body, so it is another delivery with its own Idempotency-Key
 * (idempotency.ts); a retried delivery of the same event resends under the same keys and is recorded once.
 */
export async function sendEvent(
  request: RequestClient,
  apiKey: string,
  payload: TrackPayload
): Promise<ModifiedResponse<unknown>> {
  const { request: json, fallback } = buildEvent(payload)
  const key = messageKey(payload.idempotencyKey)
  try {
    return await callFullStory(request, endpoints.createEvent, {
      apiKey,
      ...delivery(endpoints.createEvent, json, key)
    })
  } catch (error) {
    if (!fallback || !hasFullStoryCode(error, SESSION_FULL_CODE)) throw error
    return callFullStory(request, endpoints.createEvent, { apiKey, ...delivery(endpoints.createEvent, fallback, key) })
  }
}

/**
 * Sends a batch of events as FullStory batch import jobs (`POST /v2/events/batch`). Rows are built by
 * `buildEventRequest`, as single events are. There is no resend for a full session here: FullStory
 * reports row failures of a job only after the fact, in the job's errors.
 */
export function sendEvents(request: RequestClient, apiKey: string, payloads: TrackPayload[]) {
  return sendBatch(request, {
    kind: 'events',
    payloads,
    build: buildEventRequest,
    keyOf: (payload) => messageKey(payload.idempotencyKey),
    apiKey,
    jobSize: payloads[0]?.batch_size
  })
}
