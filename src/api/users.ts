import { PayloadValidationError } from '@segment/actions-core'
import type { RequestClient } from '@segment/actions-core'
import type { Built } from './batch'
import { callFullStory, delivery, endpoints, withNote } from './client'
import { messageKey } from './idempotency'
import { checkedUid } from './identity'
import { longerThan, MAX_DISPLAY_NAME_LENGTH, MAX_EMAIL_LENGTH } from './limits'
import { normalizeProperties } from './properties'
import type { NormalizeOptions } from './properties'
import type { CreateUserRequest } from './types'

/** What Identify User's fields give (docs/rules.md#user-id and the sections after it). */
export interface UserInput {
  userId?: string | null
  anonymousId?: string | null
  displayName?: string | null
  email?: string | null
  traits?: Record<string, unknown> | null
  propertyTypes?: Record<string, unknown> | null
  idempotencyKey?: string | null
}

export type UserOptions = Pick<NormalizeOptions, 'legacyNames'>

/** The user property that carries Segment's anonymous ID. */
export const ANONYMOUS_ID_PROPERTY = 'segmentAnonymousId'

/** The body of `POST /v2/users` for one identify; throws PayloadValidationError when it cannot be sent. */
export function userRequest(input: UserInput, options: UserOptions = {}): Built<CreateUserRequest> {
  const uid = checkedUid(input.userId)
  if (uid === undefined) {
    throw new PayloadValidationError(
      'User ID is missing or blank: FullStory would create a new anonymous user for every identify without ' +
        'one, so the user was not sent. Map User ID to the Segment userId (the default) or to another stable ' +
        'ID; anonymous visitors are best sent as events.'
    )
  }
  const traits = input.traits ?? undefined
  const trailing: [string, unknown][] = []
  // A display name or email too long for its field is kept as a property (docs/rules.md#display-name-and-email).
  const fit = (value: string | null | undefined, max: number, property: string) => {
    if (!value || !longerThan(value, max)) return value || undefined
    if (!traits || !Object.values(traits).includes(value)) trailing.push([property, value])
    return undefined
  }
  const displayName = fit(input.displayName, MAX_DISPLAY_NAME_LENGTH, 'displayName')
  const email = fit(input.email, MAX_EMAIL_LENGTH, 'email')
  const leading: [string, unknown][] = input.anonymousId ? [[ANONYMOUS_ID_PROPERTY, input.anonymousId]] : []
  const { properties, schema, note } = normalizeProperties(traits, input.propertyTypes ?? undefined, {
    leading,
    trailing,
    legacyNames: options.legacyNames
  })
  const request: CreateUserRequest = { uid }
  if (displayName !== undefined) request.display_name = displayName
  if (email !== undefined) request.email = email
  if (Object.keys(properties).length > 0) request.properties = properties
  if (schema) request.schema = schema
  return { request, note }
}

/** Creates or updates the user (`POST /v2/users`), with the Idempotency-Key of this delivery. */
export async function upsertUser(request: RequestClient, apiKey: string, input: UserInput, options?: UserOptions) {
  const { request: json, note } = userRequest(input, options)
  const response = await callFullStory(request, endpoints.createUser, {
    apiKey,
    ...delivery(endpoints.createUser, json, messageKey(input.idempotencyKey))
  })
  return withNote(response, note)
}

/** GDPR deletion, `DELETE /v2/users?uid=`: a 404 means there is nothing to delete. */
export async function deleteUser(request: RequestClient, apiKey: string, userId: string | null | undefined) {
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
