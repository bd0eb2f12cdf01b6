import { PayloadValidationError } from '@segment/actions-core'
import { isValid } from 'date-fns/isValid'
import { parseISO } from 'date-fns/parseISO'
import { isCanonical } from './timestamp'
import type * as Transliteration from 'transliteration'
import {
  MAX_PROPERTIES,
  MAX_PROPERTY_DEPTH,
  MAX_PROPERTY_PATH_LENGTH,
  MAX_VALUE_BYTES,
  MIN_NESTED_NAME_ROOM
} from './limits'
import type { PropertySchema, PropertyType } from './types'

export type { PropertyType, PropertySchema } from './types'

/**
 * Makes Segment traits and properties acceptable to FullStory, for users and events alike
 * (docs/rules.md#traits-and-properties). Every rule, in the order it applies:
 *
 * Names
 * - Non-ASCII letters are transliterated (`Größe` -> `Grosse`, `名字` -> `MingZi`), then every
 *   character outside `[A-Za-z0-9_]` is dropped, as Segment's own V2 FullStory actions do, so names
 *   that were already valid stay the same.
 * - A name that then does not start with a letter gets the prefix `p_` (`1st` -> `p_1st`,
 *   `_id` -> `p__id`, `__proto__` -> `p___proto__`).
 * - A name left empty (a key of only punctuation, emoji, or the empty key) becomes `p_` followed by
 *   the hexadecimal code points of the original key joined by `_` (`!!` -> `p_21_21`), so the same
 *   key always gets the same name.
 * - Keys that end on one name are all kept, in source order: `plan`, `plan_2`, `plan_3`, ...
 * - A name is cut so that its dotted path stays within 512 characters (a collision number is kept
 *   inside the limit too). An object whose own path leaves no room for nested names (longer than
 *   503 characters) is sent as its JSON text instead.
 * - Keys such as `__proto__`, `constructor` and `prototype` are plain names, and nothing reaches a
 *   prototype: `__proto__` is renamed (above), and `define` would never assign it anyway.
 *
 * Values
 * - `null` and `undefined` are dropped (in objects and in lists). An object left with no properties
 *   is dropped. Empty lists are kept.
 * - A list of objects becomes an object of lists, keys in order of first appearance:
 *   `products: [{sku: 'a'}, {sku: 'b', qty: 2}]` -> `products: {sku: ['a', 'b'], qty: [2]}`. A list
 *   inside those objects joins its column (`[{tags: ['a']}, {tags: ['b', 'c']}]` -> `{tags: ['a', 'b',
 *   'c']}`), and the column then follows the list rules below.
 * - A list mixing scalar types becomes a list of strings (`[1, 'a', true]` -> `['1', 'a', 'true']`).
 *   A list that holds lists, or objects beside other values, becomes a list of strings too, each
 *   list or object as its JSON text.
 * - A string longer than 8192 UTF-8 bytes is cut on a character boundary. A list is kept within
 *   8192 bytes of JSON text: elements are kept in order while they fit, a string that does not fit
 *   is cut to the room left, and the elements after it are dropped.
 * - A property path has at most 10 names: an object (or list of objects) at the 10th level, or at
 *   too long a path (above), is sent as its JSON text, cut to 8192 bytes; one holding no value at
 *   all is dropped, and so is one nested deeper than JSON.stringify can write (thousands of levels).
 * - Non-finite numbers and bigints are sent as strings; `Date` objects as ISO-8601 strings.
 * - At most 500 properties are sent, counting every name (an object's own name and each name in it):
 *   the first 500 in source order, depth first. The rest are dropped.
 *
 * Types (`schema`, by dotted path of the names sent)
 * - A string that is an RFC 3339 date-time (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.5+02:00`;
 *   a time zone is required, as a date-time without one is ambiguous), and a real instant by
 *   date-fns' parseISO + isValid, is declared `date`; a non-empty list of them `dates`.
 *   Other strings stay strings: declare `date` to type them.
 * - Declarations passed in (the Property Types field) win over detection. They are keyed by the
 *   dotted path of the names FullStory receives, and sent in the form that matches the value: the
 *   plural for a list (`int` declared for `products.price`, a list, is sent as `ints`), the singular
 *   otherwise. One for a path this call does not send as a value (absent, or an object) is left
 *   out. An unknown type, or a path FullStory could never receive, is a PayloadValidationError that
 *   names it.
 * - No integer guessing: FullStory stores every number as a real unless it is declared `int`.
 */

export const PROPERTY_TYPES: readonly PropertyType[] = [
  'str',
  'strs',
  'int',
  'ints',
  'real',
  'reals',
  'bool',
  'bools',
  'date',
  'dates'
]

/** Prefix for a name that does not start with a letter. */
export const NAME_PREFIX = 'p_'

export interface NormalizedProperties {
  properties: Record<string, unknown>
  schema?: PropertySchema
}

export interface NormalizeOptions {
  /** Entries placed before the input's own, so they win their names (e.g. `segmentAnonymousId`). */
  leading?: ReadonlyArray<readonly [string, unknown]>
  /** Entries placed after the input's own. */
  trailing?: ReadonlyArray<readonly [string, unknown]>
}

const VALID_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const STARTS_WITH_LETTER = /^[A-Za-z]/
const INVALID_NAME_CHARS = /[^A-Za-z0-9_]/g
const NON_ASCII = /[\u0080-\uffff]/
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/
const TYPE_SET: ReadonlySet<string> = new Set(PROPERTY_TYPES)
const PLURAL: Record<PropertyType, PropertyType> = {
  str: 'strs',
  strs: 'strs',
  int: 'ints',
  ints: 'ints',
  real: 'reals',
  reals: 'reals',
  bool: 'bools',
  bools: 'bools',
  date: 'dates',
  dates: 'dates'
}
const SINGULAR: Record<PropertyType, PropertyType> = {
  str: 'str',
  strs: 'str',
  int: 'int',
  ints: 'int',
  real: 'real',
  reals: 'real',
  bool: 'bool',
  bools: 'bool',
  date: 'date',
  dates: 'date'
}
const ALLOWED_TYPES_TEXT = PROPERTY_TYPES.join(', ')

/** The deepest path an object may have and still be sent as an object. */
const MAX_OBJECT_PATH_LENGTH = MAX_PROPERTY_PATH_LENGTH - 1 - MIN_NESTED_NAME_ROOM

/** Names that needed cleaning, remembered (events repeat their keys; transliteration is slow). */
const cleanedNames = new Map<string, string>()
const CLEANED_NAMES_CACHE_SIZE = 2000

let transliterate: typeof Transliteration.transliterate | undefined

/**
 * Non-ASCII letters as ASCII. The transliteration library (and its tables) is loaded on first need:
 * loading it took about half of this package's load time, for keys that most events never have.
 */
function toAscii(key: string): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires -- loaded lazily, see above
  transliterate ??= (require('transliteration') as typeof Transliteration).transliterate
  return transliterate(key, { unknown: '' })
}

/**
 * A FullStory property name for one source key, without the context rules (length, collisions):
 * transliterate, drop invalid characters, prefix a non-letter start, name an empty result.
 */
export function cleanName(key: string): string {
  if (VALID_NAME.test(key)) return key
  let name = cleanedNames.get(key)
  if (name === undefined) {
    const ascii = NON_ASCII.test(key) ? toAscii(key) : key
    const cleaned = ascii.replace(INVALID_NAME_CHARS, '')
    if (cleaned === '') name = NAME_PREFIX + codePointsHex(key)
    else name = STARTS_WITH_LETTER.test(cleaned) ? cleaned : NAME_PREFIX + cleaned
    if (cleanedNames.size >= CLEANED_NAMES_CACHE_SIZE) cleanedNames.clear()
    if (key.length <= MAX_PROPERTY_PATH_LENGTH) cleanedNames.set(key, name)
  }
  return name
}

function codePointsHex(key: string): string {
  const parts: string[] = []
  for (const char of key) parts.push((char.codePointAt(0) as number).toString(16))
  return parts.join('_')
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character (surrogate pairs stay whole). */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so a short string needs no count.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text
  let bytes = 0
  let i = 0
  while (i < text.length) {
    const code = text.charCodeAt(i)
    let size = 3
    let units = 1
    if (code < 0x80) size = 1
    else if (code < 0x800) size = 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        size = 4
        units = 2
      }
    }
    if (bytes + size > maxBytes) break
    bytes += size
    i += units
  }
  return text.slice(0, i)
}

/**
 * True for an RFC 3339 date-time that is a real instant (`2024-02-30T00:00:00Z` is not): the form by
 * a regular expression, which turns away almost every string at once, then date-fns' parseISO +
 * isValid for the calendar.
 */
export function isIsoDateTime(text: string): boolean {
  if (isCanonical(text)) return true
  return text.length >= 17 && text.length <= 40 && ISO_DATE_TIME.test(text) && isValid(parseISO(text))
}

/**
 * The size FullStory's 8192-byte value limit is checked against: a string's UTF-8 bytes; a list's
 * JSON text (brackets, commas and quotes included, strings counted unescaped); a number's or
 * boolean's text.
 */
export function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (Array.isArray(value)) {
    let size = 2 + Math.max(0, value.length - 1)
    for (const item of value) size += typeof item === 'string' ? Buffer.byteLength(item, 'utf8') + 2 : valueBytes(item)
    return size
  }
  return String(value).length
}

/** Declared types by dotted path, checked. Throws a PayloadValidationError naming a bad entry. */
export function parseDeclaredTypes(declared: unknown): Map<string, PropertyType> | undefined {
  if (declared === undefined || declared === null) return undefined
  if (typeof declared !== 'object' || Array.isArray(declared)) {
    throw new PayloadValidationError(
      `Property Types must be an object of property path -> type (one of ${ALLOWED_TYPES_TEXT}).`
    )
  }
  let types: Map<string, PropertyType> | undefined
  for (const [path, raw] of Object.entries(declared)) {
    const type = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined
    if (type === undefined || !TYPE_SET.has(type)) {
      throw new PayloadValidationError(
        `Property Types declares "${path}" as ${JSON.stringify(raw) ?? String(raw)}, which is not a FullStory ` +
          `property type. Use one of: ${ALLOWED_TYPES_TEXT}.`
      )
    }
    const segments = path.split('.')
    if (path.length > MAX_PROPERTY_PATH_LENGTH || !segments.every((segment) => VALID_NAME.test(segment))) {
      const suggestion = segments.map(cleanName).join('.')
      throw new PayloadValidationError(
        `Property Types names "${path}", which FullStory cannot receive as a property path. Use the names as ` +
          `FullStory receives them (letters, digits and _, starting with a letter; dots between nested names)` +
          (suggestion !== path && suggestion.length <= MAX_PROPERTY_PATH_LENGTH ? `, e.g. "${suggestion}".` : '.')
      )
    }
    ;(types ??= new Map()).set(path, type as PropertyType)
  }
  return types
}

interface State {
  /** Names written so far (objects and scalars alike), against MAX_PROPERTIES. */
  names: number
  declared: Map<string, PropertyType> | undefined
  schema: Record<string, PropertyType> | undefined
}

type Scalar = string | number | boolean

/**
 * FullStory-acceptable `properties` (and their `schema`) from an object of traits or properties.
 * Pure and deterministic: the same input always gives the same output, key order included.
 * Anything other than a plain object gives no properties.
 */
export function normalizeProperties(
  input: unknown,
  declaredTypes?: Record<string, unknown>,
  options?: NormalizeOptions
): NormalizedProperties {
  const state: State = { names: 0, declared: parseDeclaredTypes(declaredTypes), schema: undefined }
  const own = isPlainObject(input) ? input : {}
  const leading = options?.leading ?? []
  const trailing = options?.trailing ?? []
  const level =
    leading.length || trailing.length ? entriesLevel([...leading, ...Object.entries(own), ...trailing]) : ownLevel(own)
  const properties = writeObject(level, '', 0, state) ?? {}
  return state.schema ? { properties, schema: { properties: state.schema } } : { properties }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

/**
 * Writes one own property: by assignment, an inline store (defineProperty, a call into the runtime
 * for every key, took a quarter of normalizeProperties' time), except for `__proto__`, the one name
 * whose assignment would write a prototype instead (names here start with a letter: it never comes).
 */
function define(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
  } else target[name] = value
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
  /** True when no key repeats (an object's own keys): then a key that is already a valid name is its own. */
  distinct: boolean
}

function ownLevel(source: Record<string, unknown>): Level {
  return { keys: Object.keys(source), values: Object.values(source), distinct: true }
}

/** Entries whose keys may repeat (the input's own with entries added before or after them). */
function entriesLevel(entries: ReadonlyArray<readonly [string, unknown]>): Level {
  return { keys: entries.map(([key]) => key), values: entries.map(([, value]) => value), distinct: false }
}

/**
 * Writes one object level. Returns undefined when nothing in it was kept. The names taken so far
 * are tracked only once a name could collide: a key that cleaning changed or cut, or keys that may
 * repeat; until then each name is a distinct valid key (most objects never need the set).
 */
function writeObject(level: Level, path: string, depth: number, state: State): Record<string, unknown> | undefined {
  const { keys, values } = level
  let out: Record<string, unknown> | undefined
  let taken: Set<string> | undefined = level.distinct ? undefined : new Set<string>()
  const room = path ? MAX_PROPERTY_PATH_LENGTH - path.length - 1 : MAX_PROPERTY_PATH_LENGTH
  for (let i = 0; i < keys.length; i++) {
    const raw = values[i]
    if (isDropped(raw)) continue
    if (state.names >= MAX_PROPERTIES) continue
    const key = keys[i]
    const clean = cleanName(key)
    if (taken === undefined && (clean !== key || key.length > room)) taken = new Set(out ? Object.keys(out) : [])
    const name = taken === undefined ? key : uniqueName(clean, taken, room)
    const childPath = path ? `${path}.${name}` : name
    state.names++
    const value = normalizeValue(raw, childPath, depth + 1, state)
    if (value === undefined) {
      state.names--
      continue
    }
    taken?.add(name)
    define((out ??= {}), name, value)
  }
  return out
}

/** null, undefined, functions and symbols carry no JSON value. */
function isDropped(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'function' || typeof value === 'symbol'
}

function normalizeValue(raw: unknown, path: string, depth: number, state: State): unknown {
  switch (typeof raw) {
    case 'string': {
      const value = truncateUtf8(raw, MAX_VALUE_BYTES)
      record(path, isIsoDateTime(raw) ? 'date' : undefined, state)
      return value
    }
    case 'number':
    case 'boolean':
    case 'bigint': {
      record(path, undefined, state)
      return toScalar(raw)
    }
    case 'object': {
      if (raw instanceof Date) return normalizeValue(toScalar(raw), path, depth, state)
      if (Array.isArray(raw)) return normalizeList(raw, path, depth, state)
      if (depth >= MAX_PROPERTY_DEPTH || path.length > MAX_OBJECT_PATH_LENGTH) {
        return holdsValue(raw) ? serialize(raw, path, state) : undefined
      }
      return writeObject(ownLevel(raw as Record<string, unknown>), path, depth, state)
    }
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

/**
 * Adds the schema entry for a value sent at `path`: the declared type, in the form that matches the
 * value (plural for a list, e.g. `int` declared for `products.price` is sent as `ints`), else the
 * detected type.
 */
function record(path: string, detected: PropertyType | undefined, state: State, list = false): void {
  const declared = state.declared?.get(path)
  const type = declared ? (list ? PLURAL[declared] : SINGULAR[declared]) : detected
  if (type) (state.schema ??= {})[path] = type
}

/** An object or list sent as its JSON text at `path`, or nothing when it has none (see jsonText). */
function serialize(raw: unknown, path: string, state: State): string | undefined {
  const text = jsonText(raw)
  if (text === undefined) return undefined
  record(path, undefined, state)
  return truncateUtf8(text, MAX_VALUE_BYTES)
}

/**
 * JSON text of a raw value, or `undefined` for one JSON cannot write: a value nested deeper than
 * JSON.stringify can go (some thousands of levels) is left out rather than sent as "[object Object]".
 */
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

  // A list of objects: an object of lists, keys in order of first appearance.
  if (objects > 0 && objects === kept) {
    if (depth >= MAX_PROPERTY_DEPTH || path.length > MAX_OBJECT_PATH_LENGTH) {
      return holdsValue(raw) ? serialize(raw, path, state) : undefined
    }
    const keys: string[] = []
    const columns: unknown[][] = []
    const columnOf = new Map<string, unknown[]>()
    for (const item of raw) {
      if (isDropped(item)) continue
      const object = item as Record<string, unknown>
      for (const key of Object.keys(object)) {
        const value = object[key]
        if (isDropped(value)) continue
        let column = columnOf.get(key)
        if (!column) {
          columnOf.set(key, (column = []))
          keys.push(key)
          columns.push(column)
        }
        // A list in a list of objects joins its column: products[].tags -> products.tags, all tags.
        if (Array.isArray(value)) for (const element of value) column.push(element)
        else column.push(value)
      }
    }
    return writeObject({ keys, values: columns, distinct: true }, path, depth, state)
  }

  const items: Scalar[] = []
  const asText = mixed || objects > 0 || nested > 0
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
  let allDates = items.length > 0
  for (let i = 0; allDates && i < items.length; i++) {
    const item = items[i]
    allDates = typeof item === 'string' && isIsoDateTime(item)
  }
  record(path, allDates ? 'dates' : undefined, state, true)
  return items
}

/** Keeps a list within MAX_VALUE_BYTES (valueBytes' measure), in place. */
function fitList(items: Scalar[]): void {
  // Quick bound: a string is at most 3 bytes per UTF-16 unit plus quotes; a number's text at most 25.
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

/**
 * True when a raw value holds at least one scalar (a non-null leaf, list elements included). A loop
 * over a stack rather than recursion: the values it looks into are the ones nested too deep to send
 * as objects, however deep they go.
 */
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
