import { isIP } from 'net'
import { HttpError } from '../http'

/**
 * FullStory's rules for request bodies (docs/fullstory-api.md), each broken with 400 naming the
 * field. Unknown fields are refused, so a typo in the destination shows up here rather than as data
 * lost in production. Where FullStory's documents leave a detail open, the strict reading:
 * - the 500-property limit counts every name (each object's own name and each name inside it);
 * - the 8192-byte limit applies to a string's UTF-8 bytes and to an array's JSON text;
 * - arrays hold scalars of one type: no objects, arrays, nulls or mixes.
 */
export type JsonObject = Record<string, unknown>

export const LIMITS = {
  uid: 256,
  display_name: 256,
  email: 128,
  batchRows: 50_000,
  properties: 500,
  path: 512,
  bytes: 8192
}
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const TYPES = new Set(['str', 'strs', 'int', 'ints', 'real', 'reals', 'bool', 'bools', 'date', 'dates'])
const USER_FIELDS = ['uid', 'display_name', 'email', 'properties', 'schema']
const EVENT_FIELDS = ['name', 'timestamp', 'properties', 'schema', 'user', 'session', 'context']
type Kind = 'string' | 'int32' | 'latitude' | 'longitude' | 'country' | 'region' | 'ip'
const CONTEXT: Record<string, Record<string, Kind>> = {
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
const CHECKS: Record<Kind, [(v: unknown) => boolean, string]> = {
  string: [(v) => typeof v === 'string', 'a string'],
  int32: [(v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31, 'a 32-bit integer'],
  latitude: [(v) => typeof v === 'number' && Math.abs(v) <= 90, 'a number from -90 to 90'],
  longitude: [(v) => typeof v === 'number' && Math.abs(v) <= 180, 'a number from -180 to 180'],
  country: [(v) => /^[A-Z]{2}$/.test(String(v)), 'an ISO 3166-1 alpha-2 country code (for example US)'],
  region: [(v) => /^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(String(v)), 'an ISO 3166-2 subdivision code (for example US-CA)'],
  ip: [(v) => typeof v === 'string' && isIP(v) !== 0, 'an IPv4 or IPv6 address']
}

/** 400 `invalid_argument`, FullStory's code for a request that breaks a rule. */
export const invalid = (message: string) => new HttpError(400, 'invalid_argument', message)
export const required = (field: string) => new HttpError(400, 'required_field', `${field} is required`)

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function object(value: unknown, where: string, fields: readonly string[]): JsonObject {
  if (!isPlainObject(value)) throw invalid(`${where} must be an object`)
  const unknown = Object.keys(value).find((key) => !fields.includes(key))
  if (unknown !== undefined) throw invalid(`${where}: unknown field "${unknown}"`)
  return value
}

/** Lengths as JSON Schema's maxLength (FullStory's spec) counts them: code points. */
function optionalString(value: unknown, field: string, max?: number): void {
  if (value === undefined) return
  if (typeof value !== 'string') throw invalid(`${field} must be a string`)
  if (max !== undefined && value.length > max && [...value].length > max) {
    throw invalid(`${field} must be at most ${max} characters`)
  }
}

function tooLarge(where: string, path: string, bytes: number): void {
  if (bytes > LIMITS.bytes) throw invalid(`${where}.${path}: value is larger than ${LIMITS.bytes} bytes`)
}

function checkProperties(value: unknown, where = 'properties'): void {
  if (value === undefined) return
  if (!isPlainObject(value)) throw invalid(`${where} must be an object`)
  let count = 0
  const walk = (object: JsonObject, prefix: string): void => {
    for (const name of Object.keys(object)) {
      if (!NAME.test(name)) throw invalid(`${where}: property name "${name}" must match [A-Za-z][A-Za-z0-9_]*`)
      const path = prefix ? `${prefix}.${name}` : name
      if (path.length > LIMITS.path) throw invalid(`${where}: property path "${path.slice(0, 40)}..." is too long`)
      if (++count > LIMITS.properties) throw invalid(`${where}: more than ${LIMITS.properties} properties`)
      const item = object[name]
      if (isPlainObject(item)) walk(item, path)
      else if (typeof item === 'string' && item.length * 4 > LIMITS.bytes)
        tooLarge(where, path, Buffer.byteLength(item))
      else if (Array.isArray(item)) {
        const kinds = new Set<string>(item.map((v) => (v === null ? 'null' : typeof v)))
        if (['object', 'null'].some((kind) => kinds.has(kind))) {
          throw invalid(`${where}.${path}: arrays of objects, arrays or nulls are not supported`)
        }
        if (kinds.size > 1) throw invalid(`${where}.${path}: array mixes ${[...kinds].join(' and ')} values`)
        // the list's JSON text: brackets, commas, and each string's UTF-8 bytes with its quotes (unescaped)
        const bytes = item.reduce(
          (n: number, v) => n + 1 + (typeof v === 'string' ? Buffer.byteLength(v) + 2 : String(v).length),
          1
        )
        tooLarge(where, path, bytes)
      }
    }
  }
  walk(value, '')
}

function checkSchema(value: unknown): void {
  if (value === undefined) return
  const declared = object(value, 'schema', ['properties']).properties
  if (declared === undefined) return
  if (!isPlainObject(declared)) throw invalid('schema.properties must be an object')
  for (const [path, type] of Object.entries(declared)) {
    if (path.length > LIMITS.path || !path.split('.').every((part) => NAME.test(part))) {
      throw invalid(`schema.properties: "${path.slice(0, 40)}" is not a property name or dotted path`)
    }
    if (typeof type !== 'string' || !TYPES.has(type)) {
      throw invalid(`schema.properties.${path}: unknown type ${JSON.stringify(type)} (one of ${[...TYPES].join(', ')})`)
    }
  }
}

/** The body of `POST /v2/users`, or a row of `POST /v2/users/batch` (`batchRow`: `id` allowed). */
export function checkUser(body: unknown, batchRow = false): asserts body is JsonObject {
  if (!isPlainObject(body)) throw invalid('the user must be a JSON object')
  object(body, 'user', batchRow ? [...USER_FIELDS, 'id'] : USER_FIELDS)
  optionalString(body.id, 'id')
  optionalString(body.uid, 'uid', LIMITS.uid)
  optionalString(body.display_name, 'display_name', LIMITS.display_name)
  optionalString(body.email, 'email', LIMITS.email)
  checkProperties(body.properties)
  checkSchema(body.schema)
}

/** `context` of an event, or `shared.context` of an events batch. */
function checkContext(value: unknown, where = 'context'): void {
  if (value === undefined) return
  for (const [group, fields] of Object.entries(object(value, where, Object.keys(CONTEXT)))) {
    for (const [field, v] of Object.entries(object(fields, `${where}.${group}`, Object.keys(CONTEXT[group])))) {
      const [ok, what] = CHECKS[CONTEXT[group][field]]
      if (!ok(v)) throw invalid(`${where}.${group}.${field} must be ${what}`)
    }
  }
}

/** How an event says whom it belongs to; exactly one form is allowed (docs/fullstory-api.md). */
export type Identification =
  | { form: 'session'; sessionId: string }
  | { form: 'user'; uid?: string; id?: string }
  | { form: 'session_uid'; uid: string }
  | { form: 'none' }

const oneForm = (what: string) => invalid(`send only one form of identification: ${what}`)

function identification(body: JsonObject): Identification {
  const user = body.user === undefined ? {} : object(body.user, 'user', ['uid', 'id'])
  const session = body.session === undefined ? {} : object(body.session, 'session', ['id', 'use_most_recent', 'uid'])
  optionalString(user.uid, 'user.uid', LIMITS.uid)
  optionalString(user.id, 'user.id')
  optionalString(session.id, 'session.id')
  optionalString(session.uid, 'session.uid', LIMITS.uid)
  if (session.use_most_recent !== undefined && typeof session.use_most_recent !== 'boolean') {
    throw invalid('session.use_most_recent must be a boolean')
  }
  const [uid, id, sessionId, sessionUid] = [user.uid, user.id, session.id, session.uid] as (string | undefined)[]
  const hasUser = Boolean(uid || id)
  if (uid && id) throw oneForm('user.uid or user.id, not both')
  if (body.user !== undefined && !hasUser) throw invalid('user must have a uid or an id')
  if (sessionId) {
    if (hasUser) throw oneForm('user is not accepted with session.id')
    if (session.use_most_recent) throw oneForm('session.use_most_recent with session.id')
    if (sessionUid) throw oneForm('session.uid with session.id')
    return { form: 'session', sessionId }
  }
  if (sessionUid) {
    if (hasUser) throw oneForm('user is not accepted with session.uid')
    return { form: 'session_uid', uid: sessionUid }
  }
  if (hasUser) return { form: 'user', uid, id }
  if (session.use_most_recent) throw invalid('session.use_most_recent requires exactly one of user.uid or user.id')
  return { form: 'none' }
}

/** The body of `POST /v2/events` or a row of `POST /v2/events/batch`; returns its identification. */
export function checkEvent(body: unknown): Identification {
  if (!isPlainObject(body)) throw invalid('the event must be a JSON object')
  object(body, 'event', EVENT_FIELDS)
  if (typeof body.name !== 'string' || body.name === '') throw invalid('events must have a non-empty name')
  const { timestamp } = body
  if (
    timestamp !== undefined &&
    (typeof timestamp !== 'string' || !RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp)))
  ) {
    throw invalid('timestamp must be an RFC 3339 date-time string (for example 2024-01-31T12:00:00.000Z)')
  }
  checkProperties(body.properties)
  checkSchema(body.schema)
  checkContext(body.context)
  return identification(body)
}

/** A batch import's envelope: `{requests: [...]}` (+ `shared` for events). Rows are checked one by one later. */
export function checkBatch(body: unknown, kind: 'users' | 'events'): { requests: unknown[]; shared?: JsonObject } {
  if (!isPlainObject(body)) throw invalid('the request body must be a JSON object')
  const { requests, shared } = object(body, 'batch', kind === 'events' ? ['requests', 'shared'] : ['requests'])
  if (requests === undefined || (Array.isArray(requests) && requests.length === 0)) throw required('requests')
  if (!Array.isArray(requests)) throw invalid('requests must be an array')
  if (requests.length > LIMITS.batchRows) {
    throw invalid(`a batch import job takes at most ${LIMITS.batchRows} requests; this one has ${requests.length}`)
  }
  if (shared === undefined) return { requests }
  const { context } = object(shared, 'shared', ['context'])
  checkContext(context, 'shared.context')
  const index = requests.findIndex((row) => isPlainObject(row) && row.context !== undefined)
  if (context !== undefined && index >= 0) {
    throw invalid(`requests[${index}] has its own context while shared.context is set; send one or the other`)
  }
  return { requests, shared: shared as JsonObject }
}
