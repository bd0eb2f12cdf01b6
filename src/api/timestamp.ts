/**
 * Date-times as FullStory takes them (docs/rules.md#timestamp): the Timestamp field read strictly and
 * in UTC whatever the host's time zone, and the detection of date-time property values.
 */

/** Unix time below this magnitude is read as seconds, from it on as milliseconds (1e11 s is the year 5138). */
export const SECONDS_LIMIT = 1e11

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i
const ZONE = String.raw`([Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)`
/** ISO-8601 calendar dates, optionally with a time and a zone: the extended form, and the basic one. */
const EXTENDED = new RegExp(
  String.raw`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?${ZONE}?)?$`
)
const BASIC = new RegExp(String.raw`^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?${ZONE}?$`)
/** Date-time property values typed `date`: RFC 3339 with a zone. */
const PROPERTY_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d{1,9})?))?(?:Z|[+-]\d{2}(?::?(\d{2}))?)$/
/** toISOString's own form, what Segment's libraries send, with a real time of day. */
const CANONICAL = /^\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/
const MIN_TIME = Date.parse('0000-01-01T00:00:00Z')
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z')

function isRealDate(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  return month >= 1 && month <= 12 && day >= 1 && day <= days
}

function toIso(time: number): string | undefined {
  if (!Number.isFinite(time)) return undefined
  const date = new Date(time)
  const ms = date.getTime()
  return Number.isNaN(ms) || ms < MIN_TIME || ms > MAX_TIME ? undefined : date.toISOString()
}

function fromIso(text: string): string | undefined {
  const match = EXTENDED.exec(text) ?? BASIC.exec(text)
  if (!match) return undefined
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0))
  const fraction = match[7] ?? ''
  const zone = match[8]
  // 24:00 is the end of the day (ISO 8601): the next day's 00:00.
  if (hour === 24 ? minute + second + Number(fraction || 0) > 0 : hour > 23) return undefined
  if (minute > 59 || second > 59 || !isRealDate(year, month, day)) return undefined
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  // Fractions are cut to milliseconds, never rounded into the next second.
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')))
  let offset = 0
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '')
    offset = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0))
  }
  return toIso(date.getTime() - offset * 60_000)
}

function fromUnixTime(value: number): string | undefined {
  return toIso(Math.abs(value) < SECONDS_LIMIT ? value * 1000 : value)
}

/**
 * FullStory's `timestamp` for the Timestamp field: UTC ISO-8601 with milliseconds, or `undefined`
 * (left out; FullStory then uses its receive time) for no value or one that is not a real instant.
 */
export function parseTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') return fromUnixTime(value)
  if (typeof value !== 'string') return undefined
  // toISOString's own form of a real instant goes as it is, checked by pattern (a Date costs 7x, docs/benchmarks.md).
  if (CANONICAL.test(value) && isRealDate(+value.slice(0, 4), +value.slice(5, 7), +value.slice(8, 10))) return value
  const text = value.trim()
  if (text === '') return undefined
  if (NUMERIC.test(text)) return fromUnixTime(Number(text))
  return fromIso(text)
}

/**
 * True for a property value FullStory should type `date`: an RFC 3339 date-time with a zone, of a
 * real calendar date and time (`24:00` is the end of the day, as in ISO 8601).
 */
export function isIsoDateTime(text: string): boolean {
  if (text.length < 17 || text.length > 40) return false
  const match = PROPERTY_DATE_TIME.exec(text)
  if (!match) return false
  const [hour, minute, second, zoneMinutes] = [+match[4], +match[5], +(match[6] ?? 0), +(match[7] ?? 0)]
  if (zoneMinutes > 59 || (hour === 24 ? minute + second > 0 : hour > 23 || minute > 59 || second >= 60)) return false
  return isRealDate(+match[1], +match[2], +match[3])
}
