import { invalid } from './errors'

/**
 * FullStory's rules for `properties` and `schema` (docs/fullstory-api.md), as the
 * simulator enforces them. Every rule breaks with 400 `invalid_argument` naming the property.
 *
 * Where FullStory's documents leave a detail open, the simulator takes the strict reading and says so:
 * - the 500-property limit counts every name: each object's own name and each name inside it;
 * - the 8192-byte limit applies to a string's UTF-8 bytes and to an array's JSON text (brackets,
 *   commas, quotes; strings counted unescaped);
 * - arrays hold scalars of one type (strs, reals/ints or bools): no objects, arrays, nulls or mixes.
 */
export const PROPERTY_LIMITS = {
  maxProperties: 500,
  maxPathLength: 512,
  maxValueBytes: 8192
} as const

export const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export const SCHEMA_TYPES: ReadonlySet<string> = new Set([
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
])

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkString(value: string, path: string, where: string): void {
  // A UTF-8 character takes at most 4 bytes: skip the byte count for short strings.
  if (value.length * 4 > PROPERTY_LIMITS.maxValueBytes && Buffer.byteLength(value) > PROPERTY_LIMITS.maxValueBytes) {
    throw invalid(`${where}.${path}: value is larger than ${PROPERTY_LIMITS.maxValueBytes} bytes`)
  }
}

function checkArray(value: unknown[], path: string, where: string): void {
  let kind: string | undefined
  // the list's JSON text: brackets, commas, and each string's UTF-8 bytes with its quotes
  let bytes = 2 + Math.max(0, value.length - 1)
  for (const item of value) {
    if (item === null || typeof item === 'object') {
      throw invalid(`${where}.${path}: arrays of objects, arrays or nulls are not supported`)
    }
    const itemKind = typeof item
    if (kind !== undefined && itemKind !== kind) {
      throw invalid(`${where}.${path}: array mixes ${kind} and ${itemKind} values`)
    }
    kind = itemKind
    bytes += itemKind === 'string' ? Buffer.byteLength(item as string) + 2 : String(item).length
  }
  if (bytes > PROPERTY_LIMITS.maxValueBytes) {
    throw invalid(`${where}.${path}: value is larger than ${PROPERTY_LIMITS.maxValueBytes} bytes`)
  }
}

/** Checks a `properties` object; `where` names it in messages (for example `properties`). */
export function checkProperties(value: unknown, where = 'properties'): void {
  if (value === undefined) return
  if (!isPlainObject(value)) throw invalid(`${where} must be an object`)
  let count = 0
  const walk = (object: Record<string, unknown>, prefix: string): void => {
    for (const name in object) {
      if (!Object.prototype.hasOwnProperty.call(object, name)) continue
      if (!PROPERTY_NAME.test(name)) {
        throw invalid(`${where}: property name "${name}" must match [A-Za-z][A-Za-z0-9_]*`)
      }
      const path = prefix ? `${prefix}.${name}` : name
      if (path.length > PROPERTY_LIMITS.maxPathLength) {
        throw invalid(`${where}: property path "${path.slice(0, 40)}..." is longer than 512 characters`)
      }
      count += 1
      if (count > PROPERTY_LIMITS.maxProperties) {
        throw invalid(`${where}: more than ${PROPERTY_LIMITS.maxProperties} properties`)
      }
      const item = object[name]
      if (isPlainObject(item)) {
        walk(item, path)
        continue
      }
      if (typeof item === 'string') checkString(item, path, where)
      else if (Array.isArray(item)) checkArray(item, path, where)
      // numbers, booleans and null need no check
    }
  }
  walk(value, '')
}

/** Checks a `schema` object: `{properties: {<name or dotted.path>: <type name>}}`. */
export function checkSchema(value: unknown, where = 'schema'): void {
  if (value === undefined) return
  if (!isPlainObject(value)) throw invalid(`${where} must be an object`)
  for (const key in value) {
    if (key !== 'properties') throw invalid(`${where}: unknown field "${key}"`)
  }
  const declared = value.properties
  if (declared === undefined) return
  if (!isPlainObject(declared)) throw invalid(`${where}.properties must be an object`)
  for (const path in declared) {
    if (path.length > PROPERTY_LIMITS.maxPathLength) {
      throw invalid(`${where}.properties: path "${path.slice(0, 40)}..." is longer than 512 characters`)
    }
    for (const segment of path.split('.')) {
      if (!PROPERTY_NAME.test(segment)) {
        throw invalid(`${where}.properties: "${path}" is not a property name or dotted path`)
      }
    }
    const type = declared[path]
    if (typeof type !== 'string' || !SCHEMA_TYPES.has(type)) {
      throw invalid(
        `${where}.properties.${path}: unknown type ${JSON.stringify(type)} (expected one of ${[...SCHEMA_TYPES].join(
          ', '
        )})`
      )
    }
  }
}
