import { isIP } from 'net'
import { invalid, requiredField } from './errors'
import { checkProperties, checkSchema, isPlainObject } from './property-rules'
import type { JsonObject } from './types'

/**
 * The shapes of FullStory's request bodies (docs/fullstory-api.md). Unknown fields are
 * rejected (FullStory has no `type_conversions`, no `id` on a single create, and so on), so a typo in
 * the destination shows up as a 400 here rather than as data silently lost in production.
 */
export const LIMITS = {
  uid: 256,
  display_name: 256,
  email: 128,
  batchRows: 50_000
} as const

const USER_FIELDS = new Set(['uid', 'display_name', 'email', 'properties', 'schema'])
const BATCH_USER_FIELDS = new Set([...USER_FIELDS, 'id'])
const EVENT_FIELDS = new Set(['name', 'timestamp', 'properties', 'schema', 'user', 'session', 'context'])

const CONTEXT_FIELDS: Record<
  string,
  Record<string, 'string' | 'int32' | 'latitude' | 'longitude' | 'country' | 'region' | 'ip'>
> = {
  browser: { url: 'string', user_agent: 'string', initial_referrer: 'string' },
  mobile: { app_id: 'string', app_version: 'string', app_name: 'string', build_variant: 'string' },
  device: {
    manufacturer: 'string',
    model: 'string',
    screen_width: 'int32',
    screen_height: 'int32',
    viewport_width: 'int32',
    viewport_height: 'int32'
  },
  location: {
    country: 'country',
    region: 'region',
    city: 'string',
    latitude: 'latitude',
    longitude: 'longitude',
    ip_address: 'ip'
  }
}

/** RFC 3339, the form of a protobuf Timestamp in JSON: date, `T`, time, and a zone. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const COUNTRY = /^[A-Z]{2}$/
const REGION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/

function onlyFields(body: JsonObject, allowed: ReadonlySet<string>, where: string): void {
  for (const key in body) {
    if (!allowed.has(key)) throw invalid(`${where}: unknown field "${key}"`)
  }
}

/** Characters as JSON Schema's maxLength (FullStory's spec) counts them: code points, not UTF-16 units. */
function characterCount(value: string): number {
  let count = 0
  for (const _ of value) count++
  return count
}

function optionalString(value: unknown, field: string, max?: number): void {
  if (value === undefined) return
  if (typeof value !== 'string') throw invalid(`${field} must be a string`)
  if (max !== undefined && value.length > max && characterCount(value) > max) {
    throw invalid(`${field} must be at most ${max} characters`)
  }
}

/** The body of `POST /v2/users`, or a row of `POST /v2/users/batch` (`batchRow`: `id` allowed). */
export function checkUser(body: unknown, batchRow = false): asserts body is JsonObject {
  if (!isPlainObject(body)) throw invalid('the user must be a JSON object')
  onlyFields(body, batchRow ? BATCH_USER_FIELDS : USER_FIELDS, 'user')
  if (batchRow) optionalString(body.id, 'id')
  optionalString(body.uid, 'uid', LIMITS.uid)
  optionalString(body.display_name, 'display_name', LIMITS.display_name)
  optionalString(body.email, 'email', LIMITS.email)
  checkProperties(body.properties)
  checkSchema(body.schema)
}

export function checkTimestamp(value: unknown, field: string): void {
  if (value === undefined) return
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(`${field} must be an RFC 3339 date-time string (for example 2024-01-31T12:00:00.000Z)`)
  }
}

/** `context` of an event (or `shared.context` of an events batch). */
export function checkContext(value: unknown, where = 'context'): void {
  if (value === undefined) return
  if (!isPlainObject(value)) throw invalid(`${where} must be an object`)
  for (const group in value) {
    const fields = CONTEXT_FIELDS[group]
    if (!fields) throw invalid(`${where}: unknown field "${group}"`)
    const groupValue = value[group]
    if (!isPlainObject(groupValue)) throw invalid(`${where}.${group} must be an object`)
    for (const field in groupValue) {
      const kind = fields[field]
      const name = `${where}.${group}.${field}`
      if (!kind) throw invalid(`${where}.${group}: unknown field "${field}"`)
      const v = groupValue[field]
      switch (kind) {
        case 'string':
          optionalString(v, name)
          break
        case 'int32':
          if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
            throw invalid(`${name} must be a 32-bit integer`)
          }
          break
        case 'latitude':
        case 'longitude': {
          const bound = kind === 'latitude' ? 90 : 180
          if (typeof v !== 'number' || v < -bound || v > bound) {
            throw invalid(`${name} must be a number from -${bound} to ${bound}`)
          }
          break
        }
        case 'country':
          if (typeof v !== 'string' || !COUNTRY.test(v)) {
            throw invalid(`${name} must be an ISO 3166-1 alpha-2 country code (for example US)`)
          }
          break
        case 'region':
          if (typeof v !== 'string' || !REGION.test(v)) {
            throw invalid(`${name} must be an ISO 3166-2 subdivision code (for example US-CA)`)
          }
          break
        case 'ip':
          if (typeof v !== 'string' || isIP(v) === 0) throw invalid(`${name} must be an IPv4 or IPv6 address`)
          break
      }
    }
  }
}

/** How an event says whom it belongs to; exactly one form is allowed (docs/fullstory-api.md). */
export type Identification =
  | { form: 'session'; sessionId: string }
  | { form: 'user'; uid?: string; id?: string; useMostRecent: boolean }
  | { form: 'session_uid'; uid: string; useMostRecent: boolean }
  | { form: 'none' }

function identification(body: JsonObject): Identification {
  const { user, session } = body
  if (user !== undefined && !isPlainObject(user)) throw invalid('user must be an object')
  if (session !== undefined && !isPlainObject(session)) throw invalid('session must be an object')
  if (user) {
    onlyFields(user, new Set(['uid', 'id']), 'user')
    optionalString(user.uid, 'user.uid', LIMITS.uid)
    optionalString(user.id, 'user.id')
  }
  if (session) {
    onlyFields(session, new Set(['id', 'use_most_recent', 'uid']), 'session')
    optionalString(session.id, 'session.id')
    optionalString(session.uid, 'session.uid', LIMITS.uid)
    if (session.use_most_recent !== undefined && typeof session.use_most_recent !== 'boolean') {
      throw invalid('session.use_most_recent must be a boolean')
    }
  }
  const userUid = user?.uid as string | undefined
  const userId = user?.id as string | undefined
  const sessionId = session?.id as string | undefined
  const sessionUid = session?.uid as string | undefined
  const useMostRecent = session?.use_most_recent === true
  const hasUser = Boolean(userUid || userId)

  if (userUid && userId) throw invalid('send only one form of identification: user.uid or user.id, not both')
  if (user && !hasUser) throw invalid('user must have a uid or an id')
  if (sessionId) {
    if (hasUser) throw invalid('send only one form of identification: user is not accepted with session.id')
    if (useMostRecent) throw invalid('send only one form of identification: session.use_most_recent with session.id')
    if (sessionUid) throw invalid('send only one form of identification: session.uid with session.id')
    return { form: 'session', sessionId }
  }
  if (sessionUid) {
    if (hasUser) throw invalid('send only one form of identification: user is not accepted with session.uid')
    return { form: 'session_uid', uid: sessionUid, useMostRecent }
  }
  if (hasUser) return { form: 'user', uid: userUid, id: userId, useMostRecent }
  if (useMostRecent) throw invalid('session.use_most_recent requires exactly one of user.uid or user.id')
  return { form: 'none' }
}

/** The body of `POST /v2/events` or a row of `POST /v2/events/batch`; returns its identification. */
export function checkEvent(body: unknown): Identification {
  if (!isPlainObject(body)) throw invalid('the event must be a JSON object')
  onlyFields(body, EVENT_FIELDS, 'event')
  if (typeof body.name !== 'string' || body.name === '') throw invalid('events must have a non-empty name')
  checkTimestamp(body.timestamp, 'timestamp')
  checkProperties(body.properties)
  checkSchema(body.schema)
  checkContext(body.context)
  return identification(body)
}

/** The envelope of a batch import: `{requests: [...]}` (+ `shared` for events). Rows are checked one by one later. */
export function checkBatchEnvelope(
  body: unknown,
  kind: 'users' | 'events'
): { requests: unknown[]; shared?: JsonObject } {
  if (!isPlainObject(body)) throw invalid('the request body must be a JSON object')
  onlyFields(body, kind === 'events' ? new Set(['requests', 'shared']) : new Set(['requests']), 'batch')
  const { requests, shared } = body
  if (requests === undefined) throw requiredField('requests')
  if (!Array.isArray(requests)) throw invalid('requests must be an array')
  if (requests.length === 0) throw requiredField('requests')
  if (requests.length > LIMITS.batchRows) {
    throw invalid(`a batch import job takes at most ${LIMITS.batchRows} requests; this one has ${requests.length}`)
  }
  if (shared === undefined) return { requests }
  if (!isPlainObject(shared)) throw invalid('shared must be an object')
  onlyFields(shared, new Set(['context']), 'shared')
  checkContext(shared.context, 'shared.context')
  if (shared.context !== undefined) {
    const index = requests.findIndex((row) => isPlainObject(row) && row.context !== undefined)
    if (index >= 0) {
      throw invalid(`requests[${index}] has its own context while shared.context is set; send one or the other`)
    }
  }
  return { requests, shared }
}
