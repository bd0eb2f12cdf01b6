import fc from 'fast-check'
import { isValid, parseISO } from 'date-fns'
import { isIsoDateTime } from '../properties'

/**
 * isIsoDateTime checks date-times field by field (for speed); it must accept exactly what its former
 * definition accepted: the RFC 3339 form below, and a real instant by date-fns' parseISO + isValid.
 */
const FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/
const reference = (text: string) => text.length >= 17 && text.length <= 40 && FORM.test(text) && isValid(parseISO(text))

const pad = (n: number, width: number) => String(n).padStart(width, '0')
const digits = (width: number, max: number) => fc.integer({ min: 0, max }).map((n) => pad(n, width))

/** Date-times of the form with every field over its whole digit range, so that invalid ones are common. */
const dateTime = fc
  .record({
    year: fc.oneof(digits(4, 9999), fc.constantFrom('0000', '1900', '2000', '2024', '2100', '2023')),
    month: digits(2, 14),
    day: digits(2, 32),
    hours: fc.oneof(digits(2, 26), fc.constant('24')),
    minutes: fc.oneof(digits(2, 61), fc.constant('00')),
    seconds: fc.option(fc.oneof(digits(2, 61), fc.constant('00')), { nil: undefined }),
    fraction: fc.option(fc.stringOf(fc.constantFrom('0', '0', '5', '9'), { minLength: 1, maxLength: 9 }), {
      nil: undefined
    }),
    zone: fc.oneof(
      fc.constant('Z'),
      fc
        .tuple(fc.constantFrom('+', '-'), digits(2, 99), fc.constantFrom('', ':'), digits(2, 61))
        .map(([sign, h, colon, m]) => `${sign}${h}${colon}${m}`),
      fc.tuple(fc.constantFrom('+', '-'), digits(2, 99)).map(([sign, h]) => `${sign}${h}`)
    )
  })
  .map(({ year, month, day, hours, minutes, seconds, fraction, zone }) => {
    const time = seconds === undefined ? '' : `:${seconds}${fraction === undefined ? '' : `.${fraction}`}`
    return `${year}-${month}-${day}T${hours}:${minutes}${time}${zone}`
  })

describe('isIsoDateTime agrees with date-fns', () => {
  it.each([
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '0000-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-12-31T24:00:00Z',
    '2024-12-31T24:00Z',
    '2024-12-31T24:00:00.000Z',
    '2024-12-31T24:00:00.001Z',
    '2024-12-31T24:01:00Z',
    '2024-12-31T23:59:59.999999999+23:59',
    '2024-12-31T23:60:00Z',
    '2024-12-31T23:59:60Z',
    '2024-12-31T12:00:00+99:00',
    '2024-12-31T12:00:00+05:60',
    '2024-12-31T12:00:00+0530',
    '2024-12-31T12:00+05',
    '2024-00-10T12:00:00Z',
    '2024-13-10T12:00:00Z',
    '2024-01-00T12:00:00Z',
    '2024-01-10T12:00:00',
    '2024-01-10 12:00:00Z'
  ])('%s', (text) => {
    expect(isIsoDateTime(text)).toBe(reference(text))
  })

  it('on generated date-times of the form, valid and invalid', () => {
    fc.assert(
      fc.property(dateTime, (text) => isIsoDateTime(text) === reference(text)),
      { numRuns: 20_000 }
    )
  })

  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 45 }), (text) => isIsoDateTime(text) === reference(text)))
  })
})
