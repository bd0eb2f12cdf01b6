import fc from 'fast-check'
import type { SegmentEvent } from '@segment/actions-core'

/**
 * fast-check arbitraries for hostile but spec-conforming Segment identify, track and page events
 * (identify and track for the presets, page for the documented page-call recipe):
 * the top-level fields have the JSON types of Segment's spec (ids are strings or absent or null,
 * traits / properties / context are objects), and everything inside them is arbitrary JSON: odd
 * names and ids, unicode, huge strings, wide and deeply nested values, missing fields, and
 * `context` values as Segment's client libraries send them, odd ones included (numbers as strings,
 * country names, out-of-range coordinates).
 *
 * Events leave through a JSON round trip, so they are what a Segment client can put on the wire.
 */

const ODD_STRINGS = [
  '',
  ' ',
  ' \t\n ',
  '\u00a0',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  '{{name}}',
  '{{{name}}}',
  '$.userId',
  '%s%n%d',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE users; --",
  'a\u0000b',
  '\u202eevil',
  '\ufeffbom',
  'Größe',
  '名字',
  'Ωmega',
  '😀🎉',
  '\ud83d',
  'ﬁ',
  'İstanbul',
  'e\u0301',
  'line\nbreak',
  'x'.repeat(256),
  'x'.repeat(257),
  '😀'.repeat(200),
  '😀'.repeat(257),
  'é'.repeat(300)
]

/** Short strings of every kind: ASCII, graphemes, raw UTF-16 (lone surrogates) and the list above. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) }
)

/** Strings far over FullStory's 8192-byte value limit, in 1- to 4-byte characters. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '名', '😀', 'a😀é'), fc.integer({ min: 2_000, max: 12_000 }), oddString)
  .map(([unit, count, tail]) => unit.repeat(count) + tail)

/** Names of properties and traits: odd, colliding after cleaning (`plan`, `Plan!`), or very long. */
export const propertyName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: oddString },
  { weight: 2, arbitrary: fc.constantFrom('plan', 'Plan!', 'plan ', 'p_plan', 'plan_2', '1st', '_id', 'a.b', 'a-b') },
  { weight: 1, arbitrary: fc.string({ minLength: 500, maxLength: 700 }) }
)

export const isoTimestamp: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms).toISOString()),
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }).map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('2024-05-01T12:00:00+05:30', '2024-05-01T12:00:00-08:00', '2024-05-01T12:00:00Z', '2024-05-01')
)

const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true })

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: oddString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: finiteDouble },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 2 ** 53 + 1, 1e308, -1e-308, Number.MAX_SAFE_INTEGER) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: isoTimestamp },
  { weight: 1, arbitrary: hugeString }
)

/** A value nested `depth` levels deep in objects or arrays (FullStory's bound is ours: 10). */
const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(scalar, fc.integer({ min: 9, max: 60 }), fc.constantFrom('object', 'array', 'mixed'), propertyName)
  .map(([leaf, depth, shape, key]) => {
    let value: unknown = leaf
    for (let level = 0; level < depth; level++) {
      const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 1)
      value = asArray ? [value] : { [key]: value }
    }
    return value
  })

/** An object with hundreds of properties (FullStory takes 500). */
const wideObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.integer({ min: 450, max: 650 }), scalar)
  .map(([count, value]) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, value])))

const { json } = fc.letrec<{ json: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 2, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') }
  ),
  array: fc.oneof(
    fc.array(fc.oneof(oddString, fc.constant(null)), { maxLength: 6 }),
    fc.array(finiteDouble, { maxLength: 6 }),
    fc.array(tie('json'), { maxLength: 5 }),
    fc.array(tie('object'), { maxLength: 4 })
  ),
  object: fc.dictionary(propertyName, tie('json'), { maxKeys: 6 })
}))

/** Arbitrary JSON objects, as traits and properties: mostly small, sometimes wide, deep or huge. */
export const jsonObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(propertyName, json, { maxKeys: 8 }) },
  { weight: 1, arbitrary: fc.dictionary(propertyName, deepValue, { minKeys: 1, maxKeys: 3 }) },
  { weight: 1, arbitrary: wideObject },
  { weight: 1, arbitrary: fc.dictionary(propertyName, hugeString, { minKeys: 1, maxKeys: 2 }) }
)

/** User ids and anonymous ids: strings of every kind, UUIDs, ids around FullStory's 256, or none. */
export const segmentId: fc.Arbitrary<string | null | undefined> = fc.oneof(
  { weight: 6, arbitrary: oddString },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.string({ minLength: 250, maxLength: 262 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(null) }
)

/** Numbers as Segment clients report them: numbers, numeric strings, fractions, junk, null. */
const numberish: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }),
  finiteDouble,
  fc.integer({ min: -200, max: 200 }).map(String),
  fc.constantFrom('1440', '900.5', ' 12 ', '', 'abc', '1e3', '-0', 'NaN', 'Infinity', '37.7749', '-122.4194'),
  fc.constant(null)
)

const textish: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: oddString }, fc.integer(), fc.constant(null))

const optionalRecord = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { requiredKeys: [] })

/** `context` as Segment's libraries fill it (analytics.js, mobile, server), with odd values. */
export const segmentContext = optionalRecord({
  ip: fc.oneof(fc.ipV4(), fc.ipV6(), oddString),
  userAgent: textish,
  locale: fc.constantFrom('en-US', 'de-DE', '', 'xx'),
  timezone: fc.constantFrom('Europe/Amsterdam', 'America/New_York', 'Nowhere/Else'),
  library: optionalRecord({ name: textish, version: textish }),
  page: optionalRecord({
    url: fc.oneof(fc.webUrl(), oddString),
    referrer: fc.oneof(fc.webUrl(), oddString),
    path: oddString,
    title: oddString
  }),
  app: optionalRecord({
    name: textish,
    version: fc.oneof(oddString, finiteDouble),
    namespace: textish,
    build: textish
  }),
  device: optionalRecord({ manufacturer: textish, model: textish, id: textish, type: textish }),
  screen: optionalRecord({ width: numberish, height: numberish, density: numberish }),
  location: optionalRecord({
    city: textish,
    country: fc.oneof(
      fc.constantFrom('US', 'us', 'USA', 'Germany', 'Deutschland', 'United Kingdom', "Côte d'Ivoire", 'XX', ''),
      oddString
    ),
    region: fc.oneof(fc.constantFrom('US-CA', 'CA', 'California', 'Bavaria', 'BY', 'ZZ-99', ''), oddString),
    latitude: numberish,
    longitude: numberish
  })
})

/** `traits.name` and `traits.email` (mapped to Display Name and Email): any JSON a client may send. */
const reservedTrait: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: oddString },
  { weight: 1, arbitrary: fc.string({ minLength: 120, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.array(oddString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ first: oddString, last: oddString }) }
)

const traits = fc
  .tuple(jsonObject, fc.option(reservedTrait, { nil: undefined }), fc.option(reservedTrait, { nil: undefined }))
  .map(([rest, name, email]) => ({
    ...rest,
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email })
  }))

const common = {
  userId: segmentId,
  anonymousId: segmentId,
  messageId: fc.option(oddString, { nil: undefined }),
  timestamp: fc.option(isoTimestamp, { nil: undefined }),
  context: fc.option(segmentContext, { nil: undefined })
}

const identify = fc.record(
  { type: fc.constant('identify' as const), ...common, traits: fc.option(traits, { nil: undefined }) },
  { requiredKeys: ['type'] }
)

const track = fc.record(
  {
    type: fc.constant('track' as const),
    ...common,
    event: fc.oneof({ weight: 8, arbitrary: oddString }, fc.string({ minLength: 240, maxLength: 400 })),
    properties: fc.option(jsonObject, { nil: undefined })
  },
  { requiredKeys: ['type'] }
)

const page = fc.record(
  {
    type: fc.constant('page' as const),
    ...common,
    name: oddString,
    category: oddString,
    properties: fc.option(jsonObject, { nil: undefined })
  },
  { requiredKeys: ['type'] }
)

/** One identify, track or page event, as it arrives from the wire. */
export const segmentEvent: fc.Arbitrary<SegmentEvent> = fc
  .oneof(identify, track, page)
  .map((event) => JSON.parse(JSON.stringify(event)) as SegmentEvent)

/**
 * A batch of events with distinct message ids (Segment gives every message its own), so each row
 * has its own Idempotency-Key; and sometimes the same message again, whole, elsewhere in the batch
 * (Segment delivering one message twice), which must be sent and stored once.
 */
export const segmentBatch: fc.Arbitrary<SegmentEvent[]> = fc
  .tuple(
    fc.array(segmentEvent, { minLength: 1, maxLength: 24 }),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 })
  )
  .map(([events, repeats]) => {
    const batch = events.map((event, i) =>
      event.messageId === undefined ? event : { ...event, messageId: `${event.messageId}#${i}` }
    )
    for (const [from, to] of repeats) {
      const copy = JSON.parse(JSON.stringify(batch[from % batch.length])) as SegmentEvent
      batch.splice(to % (batch.length + 1), 0, copy)
    }
    return batch
  })
