import { PayloadValidationError, type RequestClient } from '@segment/actions-core'
import { sendBatch } from './batch'
import type { Payload as IdentifyPayload } from '../identify-user/generated-types'
import { callFullStory, delivery, endpoints } from './client'
import { longerThan, MAX_DISPLAY_NAME_LENGTH, MAX_EMAIL_LENGTH } from './limits'
import { messageKey } from './idempotency'
import { normalizeProperties } from './properties'
import type { CreateUserRequest, CreateUserResponse } from './types'
import { checkedUid } from './uid'

export type { IdentifyPayload }

/** The user property that carries Segment's anonymous ID (the name Segment's FullStory actions use). */
export const ANONYMOUS_ID_PROPERTY = 'segmentAnonymousId'

/** Properties that keep a display name or email too long for its top-level field (when traits lack it). */
export const OVERFLOW_PROPERTIES = { display_name: 'displayName', email: 'email' } as const

/**
 * The body of `POST /v2/users` for one identify
 * (https://developer.fullstory.com/server/users/create-user/). Pure and deterministic: the same
 * payload always gives the same body, byte for byte, so a retry is the same delivery to FullStory.
 *
 * - `uid` is required (without it FullStory creates a new anonymous user on every call) and may
 *   have at most 256 characters: otherwise a PayloadValidationError, and nothing is sent.
 * - A display name over 256 characters or an email over 128 is left out of its top-level field, so
 *   the rest of the user still arrives; the value stays in `properties`: under the trait that holds
 *   it (with the default mappings, `name` and `email`), or else added as `displayName` / `email`.
 * - The anonymous ID is sent first in `properties`, as `segmentAnonymousId` (it wins that name).
 * - Traits go through normalizeProperties; Property Types become `schema`.
 */
export function buildUserRequest(payload: IdentifyPayload): CreateUserRequest {
  const uid = checkedUid(payload.userId)
  if (uid === undefined) {
    throw new PayloadValidationError(
      'User ID is missing or blank: FullStory would create a new anonymous user for every identify without ' +
        'one, so the user was not sent. Map User ID to the Segment userId (the default) or to another stable ' +
        'ID; anonymous visitors are best sent as events.'
    )
  }

  const traits = payload.traits
  const trailing: [string, unknown][] = []
  const displayName = fitOrKeep(payload.displayName, MAX_DISPLAY_NAME_LENGTH, 'display_name', traits, trailing)
  const email = fitOrKeep(payload.email, MAX_EMAIL_LENGTH, 'email', traits, trailing)
  const leading: [string, unknown][] = payload.anonymousId ? [[ANONYMOUS_ID_PROPERTY, payload.anonymousId]] : []
  const { properties, schema } = normalizeProperties(traits, payload.propertyTypes, { leading, trailing })

  const request: CreateUserRequest = { uid }
  if (displayName !== undefined) request.display_name = displayName
  if (email !== undefined) request.email = email
  if (Object.keys(properties).length > 0) request.properties = properties
  if (schema) request.schema = schema
  return request
}

/**
 * `value` when it fits `max` characters. Otherwise undefined, and the value is queued as a trailing
 * property unless a top-level trait already holds it.
 */
function fitOrKeep(
  value: string | undefined,
  max: number,
  field: keyof typeof OVERFLOW_PROPERTIES,
  traits: Record<string, unknown> | undefined,
  trailing: [string, unknown][]
): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (!longerThan(value, max)) return value
  const inTraits = traits !== undefined && Object.keys(traits).some((key) => traits[key] === value)
  if (!inTraits) trailing.push([OVERFLOW_PROPERTIES[field], value])
  return undefined
}

/** Creates or updates the user in FullStory (`POST /v2/users`), with the Idempotency-Key of this delivery. */
export async function upsertUser(request: RequestClient, apiKey: string, payload: IdentifyPayload) {
  const json = buildUserRequest(payload)
  return callFullStory<CreateUserResponse>(request, endpoints.createUser, {
    apiKey,
    ...delivery(endpoints.createUser, json, messageKey(payload.idempotencyKey))
  })
}

/** Creates or updates a batch of users as FullStory batch import jobs (`POST /v2/users/batch`). */
export function upsertUsers(request: RequestClient, apiKey: string, payloads: IdentifyPayload[]) {
  return sendBatch(request, {
    kind: 'users',
    payloads,
    build: buildUserRequest,
    keyOf: (payload) => messageKey(payload.idempotencyKey),
    apiKey,
    jobSize: payloads[0]?.batch_size
  })
}

/**
 * GDPR deletion: `DELETE /v2/users?uid=<userId>`. FullStory deletes asynchronously and needs an
 * Admin or Architect key. A 404 means FullStory holds no such user, so there is nothing to delete.
 */
export async function deleteUser(request: RequestClient, apiKey: string, userId: string | undefined) {
  if (!userId) {
    throw new PayloadValidationError(
      'FullStory deletes users by User ID (uid), and this deletion request has no userId; nothing was deleted.'
    )
  }
  try {
    return await callFullStory(request, endpoints.deleteUser, { apiKey, searchParams: { uid: userId } })
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { status: 404, deleted: false }
    throw error
  }
}
