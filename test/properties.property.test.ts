import fc from 'fast-check'
import { normalizeProperties } from '../src/api/properties'
import { PROPERTY_TYPES } from '../src/api/types'
import { MAX_PROPERTIES, MAX_PROPERTY_PATH_LENGTH, MAX_VALUE_BYTES } from '../src/api/limits'

/**
 * Property-based tests of normalizeProperties over arbitrary JSON traits. Seeded, so a failure
 * replays; the run count is in each test's name.
 */
const SEED = 20240501
const RUNS = 60
/** endOnFailure: report the failing input as found; shrinking 500-key objects would take minutes. */
const PARAMS = { seed: SEED, numRuns: RUNS, endOnFailure: true }

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/

// ---- arbitraries ------------------------------------------------------------------------------

const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '',
      'first name',
      'firstname',
      'Größe',
      '1st',
      '!!',
      'plan',
      'plan_2'
    )
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 40, max: 300 }))
      .map(([text, times]) => text.repeat(times))
  }
)

const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString())

const longString = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min: 500, max: 5000 }))
  .map(([text, times]) => text.repeat(times))

const scalar = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: isoDate },
  { weight: 1, arbitrary: longString }
)

const { value } = fc.letrec<{ value: unknown; list: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('object')),
  list: fc.oneof(
    fc.array(tie('value'), { maxLength: 6 }),
    fc.array(tie('object'), { maxLength: 4 }), // products-style
    fc.array(fc.string(), { maxLength: 400 }) // long lists
  ),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 })
}))

/** An object nested 8 to 16 levels deep around an arbitrary value. */
const deep = fc
  .tuple(fc.array(key, { minLength: 8, maxLength: 16 }), value)
  .map(([keys, inner]) => keys.reduceRight<unknown>((acc, name) => ({ [name]: acc }), inner))

const traits: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(key, value, { maxKeys: 20 }) },
  { weight: 1, arbitrary: fc.dictionary(key, scalar, { minKeys: 520, maxKeys: 650 }) },
  { weight: 1, arbitrary: fc.dictionary(key, fc.oneof(value, deep), { minKeys: 1, maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }).filter(isObject) as fc.Arbitrary<Record<string, unknown>> }
)

/** Traits that no limit rule touches: at most 3 levels, 4 names an object, short scalars, flat lists. */
const shortKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', '', 'first name', 'firstname', 'Größe', '1st', '!!', 'plan', 'plan_2')
)
const shortScalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), isoDate)
const { withinLimits: traitsWithinLimits } = fc.letrec<{ withinLimits: Record<string, unknown>; member: unknown }>(
  (tie) => ({
    withinLimits: fc.dictionary(shortKey, tie('member'), { maxKeys: 4 }),
    member: fc.oneof(
      { maxDepth: 3 },
      shortScalar,
      fc.array(shortScalar, { maxLength: 5 }),
      fc.array(fc.dictionary(fc.constantFrom('sku', 'price', 'name', 'qty'), shortScalar, { maxKeys: 3 }), {
        maxLength: 3
      }),
      tie('withinLimits')
    )
  })
)

// ---- independent measures ---------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Non-null scalars, list elements included. */
function scalars(value: unknown): number {
  if (value === null || value === undefined) return 0
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + scalars(item), 0)
  if (isObject(value)) return Object.keys(value).reduce((sum, name) => sum + scalars(value[name]), 0)
  return 1
}

/** Bytes of a value as the limit counts them: a string's UTF-8, a list's JSON text. */
function size(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (Array.isArray(value)) {
    return value.reduce<number>(
      (sum, item, i) => sum + (i > 0 ? 1 : 0) + (typeof item === 'string' ? size(item) + 2 : String(item).length),
      2
    )
  }
  return String(value).length
}

interface Walked {
  names: number
  paths: string[]
  leaves: Map<string, unknown>
}

function walk(object: Record<string, unknown>, prefix = '', into: Walked = { names: 0, paths: [], leaves: new Map() }) {
  for (const name of Object.keys(object)) {
    const path = prefix ? `${prefix}.${name}` : name
    into.names++
    into.paths.push(path)
    const child = object[name]
    if (isObject(child)) walk(child, path, into)
    else into.leaves.set(path, child)
  }
  return into
}

// ---- properties -------------------------------------------------------------------------------

describe(`normalizeProperties over arbitrary JSON traits (fast-check, seed ${SEED})`, () => {
  it(`sends only valid names, paths of at most 512 characters, at most 500 properties (numRuns ${RUNS})`, () => {
    fc.assert(
      fc.property(traits, (input) => {
        const { properties } = normalizeProperties(input)
        const walked = walk(properties)
        expect(walked.names).toBeLessThanOrEqual(MAX_PROPERTIES)
        for (const path of walked.paths) {
          expect(path.length).toBeLessThanOrEqual(MAX_PROPERTY_PATH_LENGTH)
          for (const name of path.split('.')) expect(name).toMatch(NAME)
        }
        expect(Object.getPrototypeOf(properties)).toBe(Object.prototype)
      }),
      PARAMS
    )
  })

  it(`sends values of at most 8192 bytes, lists of one scalar type and never an object in a list (numRuns ${RUNS})`, () => {
    fc.assert(
      fc.property(traits, (input) => {
        const { leaves } = walk(normalizeProperties(input).properties)
        for (const leaf of leaves.values()) {
          expect(leaf).not.toBeNull()
          expect(['string', 'number', 'boolean', 'object']).toContain(typeof leaf)
          expect(size(leaf)).toBeLessThanOrEqual(MAX_VALUE_BYTES)
          if (typeof leaf === 'number') expect(Number.isFinite(leaf)).toBe(true)
          if (Array.isArray(leaf)) {
            expect(new Set(leaf.map((item) => typeof item)).size).toBeLessThanOrEqual(1)
            for (const item of leaf) expect(['string', 'number', 'boolean']).toContain(typeof item)
          }
        }
      }),
      PARAMS
    )
  })

  it(`loses no value of traits within FullStory's limits (numRuns ${RUNS})`, () => {
    // Traits no limit rule applies to (few names, shallow, short values, no lists of lists, lists of
    // objects holding scalars): every value arrives, renamed or moved into a column, none dropped.
    // The limit rules themselves are checked one by one in properties.test.ts.
    fc.assert(
      fc.property(traitsWithinLimits, (input) => {
        expect(scalars(normalizeProperties(input).properties)).toBe(scalars(input))
      }),
      PARAMS
    )
  })

  it(`is deterministic: the same traits give the same bytes, and the input is not changed (numRuns ${RUNS})`, () => {
    fc.assert(
      fc.property(traits, (input) => {
        const before = JSON.stringify(input)
        const first = JSON.stringify(normalizeProperties(input))
        const again = JSON.stringify(normalizeProperties(JSON.parse(before)))
        expect(again).toBe(first)
        expect(JSON.stringify(normalizeProperties(input))).toBe(first)
        expect(JSON.stringify(input)).toBe(before)
      }),
      PARAMS
    )
  })

  it(`declares only sent values, with known types; dates only for date-times (numRuns ${RUNS})`, () => {
    fc.assert(
      fc.property(traits, (input) => {
        const { properties, schema } = normalizeProperties(input)
        if (!schema) return
        const { leaves } = walk(properties)
        for (const [path, type] of Object.entries(schema.properties)) {
          expect(leaves.has(path)).toBe(true)
          expect(['date', 'dates']).toContain(type)
          const leaf = leaves.get(path)
          const dates = type === 'dates' ? (leaf as string[]) : [leaf as string]
          expect(Array.isArray(leaf)).toBe(type === 'dates')
          for (const text of dates) expect(Number.isNaN(Date.parse(text))).toBe(false)
        }
      }),
      PARAMS
    )
  })

  it(`lets declared types win, in the form of the value sent (numRuns ${RUNS})`, () => {
    fc.assert(
      fc.property(traits, fc.array(fc.constantFrom(...PROPERTY_TYPES), { minLength: 1 }), (input, types) => {
        const { leaves } = walk(normalizeProperties(input).properties)
        const declared: Record<string, string> = {}
        let i = 0
        for (const path of leaves.keys()) declared[path] = types[i++ % types.length]
        const { schema } = normalizeProperties(input, declared)
        for (const [path, type] of Object.entries(declared)) {
          const singular = type.replace(/s$/, '')
          const expected = Array.isArray(leaves.get(path)) ? `${singular}s` : singular
          expect(schema?.properties[path]).toBe(expected)
        }
      }),
      PARAMS
    )
  })

  it(`keeps small traits with valid names exactly as they are (numRuns ${RUNS})`, () => {
    const validName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/)
    const plain = fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 5 })
    )
    fc.assert(
      fc.property(fc.dictionary(validName, plain, { maxKeys: 30 }), (input) => {
        expect(JSON.stringify(normalizeProperties(input).properties)).toBe(JSON.stringify(input))
      }),
      PARAMS
    )
  })
})
