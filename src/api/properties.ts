import type * as Transliteration from 'transliteration'
import type camelCase from 'lodash/camelCase'
import { TextEncoder } from 'util'
import {
  MAX_PROPERTIES,
  MAX_PROPERTY_DEPTH,
  MAX_PROPERTY_PATH_LENGTH,
  MAX_VALUE_BYTES,
  MIN_NESTED_NAME_ROOM
} from './limits'
import { memo } from './memo'
import { isIsoDateTime } from './timestamp'
import { PROPERTY_TYPES } from './types'
import type { PropertySchema, PropertyType } from './types'

/**
 * Segment traits and properties made acceptable to FullStory, for users and events alike: the rules
 * and their order are in docs/rules.md#traits-and-properties. Pure and deterministic: the same input
 * always gives the same output, key order included.
 */

export interface NormalizedProperties {
  properties: Record<string, unknown>
  schema?: PropertySchema
  /** Why Property Types declarations were left out. */
  note?: string
}

export interface NormalizeOptions {
  /** Entries placed before the input's own, so they win their names (e.g. `segmentAnonymousId`). */
  leading?: ReadonlyArray<readonly [string, unknown]>
  /** Entries placed after the input's own. */
  trailing?: ReadonlyArray<readonly [string, unknown]>
  /** Names as a published legacy action sent them to FullStory's v1 API (docs/rules.md#legacy-names). */
  legacyNames?: 'camelCase' | 'typeSuffix'
}

export const NAME_PREFIX = 'p_'
/** The published legacy actions renamed this many levels deep. */
const LEGACY_NAME_DEPTH = 5
const VALID_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const STARTS_WITH_LETTER = /^[A-Za-z]/
const INVALID_NAME_CHARS = /[^A-Za-z0-9_]/g
const NON_ASCII = /[\u0080-\uffff]/
const UTF8 = new TextEncoder()
const ALLOWED_TYPES_TEXT = PROPERTY_TYPES.join(', ')
/** The deepest path an object may have and still be sent as an object. */
const MAX_OBJECT_PATH_LENGTH = MAX_PROPERTY_PATH_LENGTH - 1 - MIN_NESTED_NAME_ROOM

const isPropertyType = (type: unknown): type is PropertyType => PROPERTY_TYPES.includes(type as PropertyType)
const singular = (type: PropertyType) => type.replace(/s$/, '') as PropertyType
const plural = (type: PropertyType) => `${singular(type)}s` as PropertyType

// Loaded on first need: each takes about as long to load as the rest of the destination.
let transliteration: typeof Transliteration | undefined
let camelCaseLibrary: typeof camelCase | undefined

function transliterate(key: string): string {
  const library: typeof Transliteration = (transliteration ??= require('transliteration'))
  return library.transliterate(key, { unknown: '' })
}

/** A FullStory property name for one source key, before length and collision rules. */
export const cleanName = memo(MAX_PROPERTY_PATH_LENGTH, (key: string): string => {
  if (VALID_NAME.test(key)) return key
  const ascii = NON_ASCII.test(key) ? transliterate(key) : key
  const cleaned = ascii.replace(INVALID_NAME_CHARS, '')
  if (cleaned === '')
    return NAME_PREFIX + [...key].map((char) => (char.codePointAt(0) as number).toString(16)).join('_')
  return STARTS_WITH_LETTER.test(cleaned) ? cleaned : NAME_PREFIX + cleaned
})

/** The published legacy actions' suffixes, which Identify User kept out of camel case. */
const LEGACY_SUFFIXES = new Set<string>([...PROPERTY_TYPES, 'obj', 'objs'])

/** A legacy name, and the FullStory type its key's suffix declares. */
type LegacyName = { name: string; type?: PropertyType }

/** Identify User's camel case, a known type suffix kept out of it. */
function legacyCamelCase(key: string): string {
  const toCamel: typeof camelCase = (camelCaseLibrary ??= require('lodash/camelCase'))
  const cut = key.lastIndexOf('_')
  const suffix = key.slice(cut + 1)
  return (cut !== -1 && LEGACY_SUFFIXES.has(suffix) ? `${toCamel(key.slice(0, cut))}_${suffix}` : toCamel(key)) || key
}

/** A published legacy action's name for a key, after the name rules, and the type its suffix declares. */
const legacyName = (camel: boolean) =>
  memo(MAX_PROPERTY_PATH_LENGTH, (key: string): LegacyName => {
    const name = cleanName(camel ? legacyCamelCase(key) : key)
    const typed = name.lastIndexOf('_')
    const type = name.slice(typed + 1)
    return typed > 0 && isPropertyType(type) ? { name: name.slice(0, typed), type } : { name }
  })
const LEGACY_NAMES = { camelCase: legacyName(true), typeSuffix: legacyName(false) }

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character (`encodeInto` writes whole ones). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text
  return text.slice(0, UTF8.encodeInto(text, new Uint8Array(maxBytes)).read)
}

const NONE_DECLARED = { ignored: [] as string[] }

/**
 * Declared types by dotted path. A declaration FullStory could not take (an unknown type, a path it
 * could never receive) is left out, and `ignored` says why: the event is still sent.
 */
export function parseDeclaredTypes(declared: unknown): { types?: Map<string, PropertyType>; ignored: string[] } {
  if (declared === undefined || declared === null) return NONE_DECLARED
  const ignored: string[] = []
  if (typeof declared !== 'object' || Array.isArray(declared)) {
    return { ignored: [`Property Types is not an object of property path -> type (one of ${ALLOWED_TYPES_TEXT})`] }
  }
  let types: Map<string, PropertyType> | undefined
  for (const [path, raw] of Object.entries(declared)) {
    const type = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined
    const segments = path.split('.')
    if (!isPropertyType(type)) {
      ignored.push(`"${path}" is declared ${JSON.stringify(raw) ?? String(raw)}, not one of ${ALLOWED_TYPES_TEXT}`)
    } else if (path.length > MAX_PROPERTY_PATH_LENGTH || !segments.every((segment) => VALID_NAME.test(segment))) {
      const suggestion = segments.map(cleanName).join('.')
      const hint =
        suggestion !== path && suggestion.length <= MAX_PROPERTY_PATH_LENGTH ? ` (write "${suggestion}")` : ''
      ignored.push(`"${path}" is not a property path FullStory can receive${hint}`)
    } else (types ??= new Map()).set(path, type)
  }
  return { types, ignored }
}

interface State {
  /** Names written so far, against MAX_PROPERTIES. */
  names: number
  declared: Map<string, PropertyType> | undefined
  schema: Record<string, PropertyType> | undefined
  legacyName?: (key: string) => LegacyName
}

type Scalar = string | number | boolean

/** FullStory-acceptable `properties` (and their `schema`) from an object of traits or properties. */
export function normalizeProperties(
  input: unknown,
  declaredTypes?: Record<string, unknown>,
  options: NormalizeOptions = {}
): NormalizedProperties {
  const { types, ignored } = parseDeclaredTypes(declaredTypes)
  const state: State = {
    names: 0,
    declared: types,
    schema: undefined,
    legacyName: options.legacyNames && LEGACY_NAMES[options.legacyNames]
  }
  const own = isPlainObject(input) ? input : {}
  const { leading = [], trailing = [] } = options
  const level: Level =
    leading.length || trailing.length
      ? entriesLevel([...leading, ...Object.entries(own), ...trailing])
      : { keys: Object.keys(own), values: Object.values(own), distinct: true }
  const normalized: NormalizedProperties = { properties: writeObject(level, '', 0, state) ?? {} }
  if (state.schema) normalized.schema = { properties: state.schema }
  if (ignored.length > 0) normalized.note = `Property Types left out: ${ignored.join('; ')}.`
  return normalized
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

/** A name not yet taken among its siblings, cut so that it fits `room` characters. */
function uniqueName(base: string, taken: Set<string>, room: number): string {
  const name = base.length > room ? base.slice(0, room) : base
  if (!taken.has(name)) return name
  for (let n = 2; ; n++) {
    const suffix = `_${n}`
    const stem = base.length + suffix.length > room ? base.slice(0, Math.max(1, room - suffix.length)) : base
    const candidate = stem + suffix
    if (!taken.has(candidate)) return candidate
  }
}

/** One object level to write: its keys and their values, in order. */
interface Level {
  keys: readonly string[]
  values: readonly unknown[]
  /** True when no key repeats (an object's own keys): then a key that is a valid name is its own. */
  distinct: boolean
  /** Columns of a list of objects, whose names the published Identify User did not camel-case. */
  columns?: boolean
}

function entriesLevel(entries: ReadonlyArray<readonly [string, unknown]>): Level {
  return { keys: entries.map(([key]) => key), values: entries.map(([, value]) => value), distinct: false }
}

/**
 * Writes one object level; undefined when nothing in it was kept. The names taken are tracked only
 * once a name could collide (a key that cleaning changed or cut, or keys that may repeat).
 */
function writeObject(level: Level, path: string, depth: number, state: State): Record<string, unknown> | undefined {
  const { keys, values } = level
  const legacy = !level.columns && depth < LEGACY_NAME_DEPTH ? state.legacyName : undefined
  let out: Record<string, unknown> | undefined
  let taken: Set<string> | undefined = level.distinct ? undefined : new Set<string>()
  const room = path ? MAX_PROPERTY_PATH_LENGTH - path.length - 1 : MAX_PROPERTY_PATH_LENGTH
  for (let i = 0; i < keys.length; i++) {
    const raw = values[i]
    if (isDropped(raw) || state.names >= MAX_PROPERTIES) continue
    const key = keys[i]
    const legacyNamed = legacy?.(key)
    const clean = legacyNamed ? legacyNamed.name : cleanName(key)
    const suffixType = legacyNamed?.type
    if (taken === undefined && (clean !== key || key.length > room)) taken = new Set(out ? Object.keys(out) : [])
    const name = taken === undefined ? key : uniqueName(clean, taken, room)
    const childPath = path ? `${path}.${name}` : name
    state.names++
    if (suffixType && !state.declared?.has(childPath)) (state.declared ??= new Map()).set(childPath, suffixType)
    const value = normalizeValue(raw, childPath, depth + 1, state)
    if (value === undefined) {
      state.names--
      continue
    }
    taken?.add(name)
    // Names start with a letter, so `__proto__` never comes: assignment writes no prototype.
    ;(out ??= {})[name] = value
  }
  return out
}

/** null, undefined, functions and symbols carry no JSON value. */
function isDropped(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'function' || typeof value === 'symbol'
}

function normalizeValue(raw: unknown, path: string, depth: number, state: State): unknown {
  switch (typeof raw) {
    case 'string':
      record(path, isIsoDateTime(raw) ? 'date' : undefined, state)
      return truncateUtf8(raw, MAX_VALUE_BYTES)
    case 'number':
    case 'boolean':
    case 'bigint':
      record(path, undefined, state)
      return toScalar(raw)
    case 'object':
      if (raw instanceof Date) return normalizeValue(toScalar(raw), path, depth, state)
      if (Array.isArray(raw)) return normalizeList(raw, path, depth, state)
      if (depth >= MAX_PROPERTY_DEPTH || path.length > MAX_OBJECT_PATH_LENGTH) {
        return holdsValue(raw) ? serialize(raw, path, state) : undefined
      }
      return writeObject(
        { keys: Object.keys(raw as object), values: Object.values(raw as object), distinct: true },
        path,
        depth,
        state
      )
    default:
      return undefined
  }
}

/** A scalar as FullStory can take it: non-finite numbers and bigints as text, dates as ISO-8601. */
function toScalar(raw: unknown): Scalar {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw)
  if (typeof raw === 'boolean' || typeof raw === 'string') return raw
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? 'Invalid Date' : raw.toISOString()
  return String(raw)
}

/** The schema entry for a value sent at `path`: the declared type in the value's form, else the detected one. */
function record(path: string, detected: PropertyType | undefined, state: State, list = false): void {
  const declared = state.declared?.get(path)
  const type = declared ? (list ? plural(declared) : singular(declared)) : detected
  if (type) (state.schema ??= {})[path] = type
}

/** An object or list sent as its JSON text at `path`, or nothing when JSON cannot write it. */
function serialize(raw: unknown, path: string, state: State): string | undefined {
  const text = jsonText(raw)
  if (text === undefined) return undefined
  record(path, undefined, state)
  return truncateUtf8(text, MAX_VALUE_BYTES)
}

/** JSON text, or undefined for a value nested deeper than JSON.stringify can go. */
function jsonText(raw: unknown): string | undefined {
  try {
    return JSON.stringify(raw)
  } catch {
    return undefined
  }
}

function normalizeList(raw: unknown[], path: string, depth: number, state: State): unknown {
  let objects = 0
  let nested = 0
  let kept = 0
  let scalarType: string | undefined
  let mixed = false
  for (const item of raw) {
    if (isDropped(item)) continue
    kept++
    if (Array.isArray(item)) nested++
    else if (isPlainObject(item)) objects++
    else {
      const type = typeof toScalar(item)
      if (scalarType === undefined) scalarType = type
      else if (scalarType !== type) mixed = true
    }
  }

  // A list of objects: an object of lists (columns), keys in order of first appearance.
  if (objects > 0 && objects === kept) {
    if (depth >= MAX_PROPERTY_DEPTH || path.length > MAX_OBJECT_PATH_LENGTH) {
      return holdsValue(raw) ? serialize(raw, path, state) : undefined
    }
    const columns = new Map<string, unknown[]>()
    for (const item of raw) {
      if (isDropped(item)) continue
      const object = item as Record<string, unknown>
      for (const key of Object.keys(object)) {
        const value = object[key]
        if (isDropped(value)) continue
        let column = columns.get(key)
        if (!column) columns.set(key, (column = []))
        // A list in a list of objects joins its column: products[].tags -> products.tags, all tags.
        if (Array.isArray(value)) for (const element of value) column.push(element)
        else column.push(value)
      }
    }
    const level = { keys: [...columns.keys()], values: [...columns.values()], distinct: true, columns: true }
    return writeObject(level, path, depth, state)
  }

  const asText = mixed || objects > 0 || nested > 0
  const items: Scalar[] = []
  for (const item of raw) {
    if (isDropped(item)) continue
    if (Array.isArray(item) || isPlainObject(item)) {
      const text = jsonText(item)
      if (text !== undefined) items.push(text)
    } else {
      const scalar = toScalar(item)
      items.push(asText ? String(scalar) : scalar)
    }
  }
  fitList(items)
  const allDates = items.length > 0 && items.every((item) => typeof item === 'string' && isIsoDateTime(item))
  record(path, allDates ? 'dates' : undefined, state, true)
  return items
}

/** Keeps a list within MAX_VALUE_BYTES of JSON text, in place: the last fitting string cut, the rest dropped. */
function fitList(items: Scalar[]): void {
  let bound = 2 + items.length
  for (const item of items) bound += typeof item === 'string' ? item.length * 3 + 2 : 25
  if (bound <= MAX_VALUE_BYTES) return
  let size = 2
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    const separator = i > 0 ? 1 : 0
    const itemSize = typeof item === 'string' ? Buffer.byteLength(item, 'utf8') + 2 : String(item).length
    if (size + separator + itemSize <= MAX_VALUE_BYTES) {
      size += separator + itemSize
      continue
    }
    let keep = i
    if (typeof item === 'string') {
      const cut = truncateUtf8(item, MAX_VALUE_BYTES - size - separator - 2)
      if (cut.length > 0) {
        items[i] = cut
        keep = i + 1
      }
    }
    items.length = keep
    return
  }
}

/** True when a raw value holds at least one scalar; a loop, not recursion, whatever its depth. */
function holdsValue(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (isDropped(next)) continue
    if (Array.isArray(next)) for (const item of next) pending.push(item)
    else if (isPlainObject(next)) for (const key of Object.keys(next)) pending.push(next[key])
    else return true
  }
  return false
}
