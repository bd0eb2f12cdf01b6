import { execFile } from 'child_process'
import path from 'path'
import fc from 'fast-check'
import { isCanonical, parseTimestamp, SECONDS_LIMIT } from '../timestamp'

// The Timestamp field -> FullStory's `timestamp`: Unix time for numbers and numeric strings, strict
// ISO-8601 otherwise, a zone-less date-time read as UTC, impossible dates left out, and the same
// answer under every host time zone (checked in child processes with other TZ values below).

/** [input, what is sent] */
const SENT: Array<[string | number, string]> = [
  // Unix time, as a number or a numeric string: the same either way
  [1714557600, '2024-05-01T10:00:00.000Z'],
  ['1714557600', '2024-05-01T10:00:00.000Z'],
  [1714557600123, '2024-05-01T10:00:00.123Z'],
  ['1714557600123', '2024-05-01T10:00:00.123Z'],
  [-1, '1969-12-31T23:59:59.000Z'],
  ['-1', '1969-12-31T23:59:59.000Z'],
  [' -1 ', '1969-12-31T23:59:59.000Z'],
  ['+1', '1970-01-01T00:00:01.000Z'],
  [0, '1970-01-01T00:00:00.000Z'],
  ['0', '1970-01-01T00:00:00.000Z'],
  ['1714557600.5', '2024-05-01T10:00:00.500Z'],
  ['1.7145576e9', '2024-05-01T10:00:00.000Z'],
  ['2024', '1970-01-01T00:33:44.000Z'],
  ['20240501', '1970-08-23T06:21:41.000Z'],
  [SECONDS_LIMIT - 1, '5138-11-16T09:46:39.000Z'],
  [SECONDS_LIMIT, '1973-03-03T09:46:40.000Z'],
  // ISO-8601 with a zone
  ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
  ['2024-05-01T12:00:00+0200', '2024-05-01T10:00:00.000Z'],
  ['2024-05-01T12:00:00+02', '2024-05-01T10:00:00.000Z'],
  ['2024-05-01T12:00:00-07:00', '2024-05-01T19:00:00.000Z'],
  ['2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123Z'],
  ['2024-05-01T10:00:00,5Z', '2024-05-01T10:00:00.500Z'],
  ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'],
  ['2024-05-01t10:00:00z', '2024-05-01T10:00:00.000Z'],
  ['2024-05-01 10:00:00Z', '2024-05-01T10:00:00.000Z'],
  ['2024-05-01T10:00Z', '2024-05-01T10:00:00.000Z'],
  ['20240501T120000Z', '2024-05-01T12:00:00.000Z'],
  ['20240501T120000+0200', '2024-05-01T10:00:00.000Z'],
  ['20240501T1200Z', '2024-05-01T12:00:00.000Z'],
  ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
  ['2024-05-01T24:00:00Z', '2024-05-02T00:00:00.000Z'],
  ['  2024-05-01T10:00:00Z  ', '2024-05-01T10:00:00.000Z'],
  // without a zone: UTC, whatever the host's time zone
  ['2024-05-01T12:00:00', '2024-05-01T12:00:00.000Z'],
  ['2024-05-01T12:00', '2024-05-01T12:00:00.000Z'],
  ['2024-05-01 12:00:00.250', '2024-05-01T12:00:00.250Z'],
  ['2024-03-10T02:30:00', '2024-03-10T02:30:00.000Z'], // a local time that does not exist in Los Angeles (DST)
  ['2024-03-31T02:30:00', '2024-03-31T02:30:00.000Z'], // nor in central Europe
  ['20240501T120000', '2024-05-01T12:00:00.000Z'],
  // a date alone: midnight UTC
  ['2024-05-01', '2024-05-01T00:00:00.000Z'],
  ['0000-01-01', '0000-01-01T00:00:00.000Z'],
  ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z']
]

it.each(SENT)('sends %j as %j', (input, expected) => {
  expect(parseTimestamp(input)).toBe(expected)
})

const LEFT_OUT: Array<[string, string | number | null | undefined]> = [
  ['no value', undefined],
  ['null', null],
  ['an empty string', ''],
  ['spaces', '   '],
  ['February 30', '2024-02-30T00:00:00Z'],
  ['February 29 of a common year', '2023-02-29'],
  ['February 29 of 1900', '1900-02-29T00:00:00Z'],
  ['April 31', '2024-04-31T12:00:00'],
  ['month 13', '2024-13-01'],
  ['month 0', '2024-00-10'],
  ['day 0', '2024-05-00'],
  ['hour 25', '2024-05-01T25:00:00Z'],
  ['24:30', '2024-05-01T24:30:00Z'],
  ['minute 60', '2024-05-01T12:60:00Z'],
  ['a leap second', '2016-12-31T23:59:60Z'],
  ['an offset of 24 hours', '2024-05-01T12:00:00+24:00'],
  ['an offset with 60 minutes', '2024-05-01T12:00:00+01:60'],
  ['a zone parseISO would read as UTC', '2024-05-01T12:00:00ZZ'],
  ['a zone of one digit', '2024-05-01T12:00:00+2'],
  ['a named zone', '2024-05-01T12:00:00 GMT'],
  ['an hour without minutes', '2024-05-01T12'],
  ['a year and month only', '2024-05'],
  ['a week date', '2024-W18-3'],
  ['an ordinal date', '2024-122'],
  ['an extended year', '+002024-05-01T00:00:00Z'],
  ['a date with a zone but no time', '2024-05-01Z'],
  ['English text', 'May 1, 2024'],
  ['slashes', '2024/05/01'],
  ['an HTTP date', 'Wed, 01 May 2024 12:00:00 GMT'],
  ['words', 'not a date'],
  ['a trailing dot', '2024-05-01T12:00:00.Z'],
  ['a number past the year 9999', 1e17],
  ['a numeric string past the year 9999', '1e17'],
  ['a time before the year 0000', -62167219200001],
  ['seconds before the year 0000', -(SECONDS_LIMIT - 1)],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['"Infinity"', 'Infinity'],
  ['hexadecimal', '0x10'],
  ['a bare sign', '-']
]

it.each(LEFT_OUT)('leaves out %s', (_what, input) => {
  expect(parseTimestamp(input)).toBeUndefined()
})

describe('properties', () => {
  const instant = fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') })

  it('an ISO string written by toISOString comes back unchanged', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const iso = new Date(ms).toISOString()
        expect(parseTimestamp(iso)).toBe(iso)
      })
    )
  })

  it('the same wall time without a zone is that instant in UTC', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const iso = new Date(ms).toISOString()
        expect(parseTimestamp(iso.slice(0, -1))).toBe(iso)
      })
    )
  })

  it('isCanonical says yes exactly when Date.parse and toISOString give the text back', () => {
    const roundTrips = (text: string) => {
      const time = Date.parse(text)
      return !Number.isNaN(time) && new Date(time).toISOString() === text
    }
    const pad = (n: number, width: number) => String(n).padStart(width, '0')
    // Fields in and just outside their ranges (month 0 and 13, day 0 to 32, hour 24, second 60).
    const canonicalShape = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999 })
      )
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`
      )
    // The same texts with one character replaced, and real instants.
    const mutated = fc
      .tuple(canonicalShape, fc.integer({ min: 0, max: 23 }), fc.constantFrom(...'0123456789-:.TtZz +/٣'))
      .map(([text, at, char]) => text.slice(0, at) + char + text.slice(at + 1))
    const real = instant.map((ms) => new Date(ms).toISOString())
    fc.assert(
      fc.property(fc.oneof(canonicalShape, mutated, real), (text) => {
        expect(isCanonical(text)).toBe(roundTrips(text))
      }),
      { numRuns: 5000 }
    )
    for (const text of ['2024-02-29T12:00:00.000Z', '2023-02-29T12:00:00.000Z', '1900-02-29T00:00:00.000Z']) {
      expect(isCanonical(text)).toBe(roundTrips(text))
    }
  })

  it('a numeric string is read exactly like the number it spells', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1e13, max: 1e14 }), fc.double({ min: -1e12, max: 1e12 })), (n) => {
        expect(parseTimestamp(String(n))).toBe(parseTimestamp(n))
      })
    )
  })
})

describe('the same under every host time zone', () => {
  // `npm test` runs with TZ=UTC, so the zones that once changed the answer are exercised here, each in
  // its own Node process. The child also reports its own UTC offset for 2024-05-01, so a TZ that had
  // no effect would fail the test rather than pass it.
  const ROOT = path.resolve(__dirname, '..', '..', '..')
  const inputs = [...SENT.map(([input]) => input), ...LEFT_OUT.map(([, input]) => input ?? null)]
  const script = `
    const { parseTimestamp } = require('./src/api/timestamp')
    const inputs = JSON.parse(process.argv[1])
    const offset = new Date(Date.UTC(2024, 4, 1, 12)).getTimezoneOffset()
    process.stdout.write(JSON.stringify({ offset, results: inputs.map((input) => parseTimestamp(input) ?? null) }))
  `

  function runUnder(tz: string): Promise<{ offset: number; results: (string | null)[] }> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-e', script, JSON.stringify(inputs)],
        { cwd: ROOT, env: { ...process.env, TZ: tz }, timeout: 60_000, maxBuffer: 1 << 20 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))
      )
    })
  }

  const here = inputs.map((input) => parseTimestamp(input) ?? null)

  it.each([
    ['Asia/Tokyo', -540],
    ['America/Los_Angeles', 420],
    ['Europe/Berlin', -120]
  ])(
    'TZ=%s (UTC offset %i min) gives what this process gives',
    async (tz, offset) => {
      const child = await runUnder(tz)
      expect(child.offset).toBe(offset)
      expect(child.results).toEqual(here)
      expect(child.results[SENT.findIndex(([input]) => input === '2024-05-01T12:00:00')]).toBe(
        '2024-05-01T12:00:00.000Z'
      )
    },
    90_000
  )
})
