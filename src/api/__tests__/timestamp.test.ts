import { isIsoDateTime, parseTimestamp, SECONDS_LIMIT } from '../timestamp'

// Every input and outcome of docs/rules.md#timestamp is walked end to end, under another host time
// zone too, by test/timestamps.test.ts; these are the parser's own edges.

it.each([
  [1714557600, '2024-05-01T10:00:00.000Z'],
  ['1714557600123', '2024-05-01T10:00:00.123Z'],
  [SECONDS_LIMIT - 1, '5138-11-16T09:46:39.000Z'],
  [SECONDS_LIMIT, '1973-03-03T09:46:40.000Z'],
  ['1.7e9', '2023-11-14T22:13:20.000Z'],
  ['2024-05-01T12:00:00+14:00', '2024-04-30T22:00:00.000Z'],
  ['2024-05-01T12:00:59.999999999Z', '2024-05-01T12:00:59.999Z'],
  ['20240501T120000Z', '2024-05-01T12:00:00.000Z'],
  ['2024-05-01T12:00:00', '2024-05-01T12:00:00.000Z'],
  ['0000-01-01', '0000-01-01T00:00:00.000Z'],
  ['2024-05-01T24:00:00Z', '2024-05-02T00:00:00.000Z'],
  // toISOString's own form is read by position: sent as it is when it is a real instant.
  ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
  ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
  ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ['2024-05-01T24:00:00.000Z', '2024-05-02T00:00:00.000Z']
])('sends %j as %j', (input, expected) => {
  expect(parseTimestamp(input)).toBe(expected)
})

it.each([
  undefined,
  null,
  true,
  {},
  '',
  '2016-12-31T23:59:60Z',
  '2024-05-01T25:00:00Z',
  '2024-02-30',
  '2023-02-29T00:00:00.000Z',
  '2024-04-31T12:00:00.000Z',
  '2024-13-01T00:00:00.000Z',
  '2024-05-01T12:60:00.000Z',
  1e17,
  NaN
])('leaves out %j', (input) => {
  expect(parseTimestamp(input)).toBeUndefined()
})

describe('isIsoDateTime: property values typed date', () => {
  it.each([
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00.5+02:00',
    '2024-05-01T12:00+0200',
    '2024-05-01T24:00:00Z',
    '2024-02-29T00:00:00.123456789Z'
  ])('%s is a date', (text) => {
    expect(isIsoDateTime(text)).toBe(true)
  })

  it.each([
    '2024-05-01T12:00:00',
    '2024-05-01',
    '2023-02-29T00:00:00Z',
    '2024-05-01T24:00:00.5Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00:00+01:60',
    '2024-05-01 12:00:00Z'
  ])('%s is not', (text) => {
    expect(isIsoDateTime(text)).toBe(false)
  })
})
