import { isValid } from 'date-fns/isValid'
import { parseISO } from 'date-fns/parseISO'

/**
 * The Timestamp of Track Custom Event as FullStory's `timestamp` (an ISO-8601 string in UTC; without
 * one FullStory uses the time it receives the event: https://developer.fullstory.com/server/events/create-event/).
 *
 * The rules, the same under every host time zone (docs/troubleshooting.md, "Timestamps"):
 *
 * - A number, or a string that spells one (`1714557600`, `"-1"`, `"1.7e9"`), is Unix time: seconds
 *   when its magnitude is below SECONDS_LIMIT, milliseconds from there on. `"-1"` is
 *   1969-12-31T23:59:59.000Z, exactly like -1.
 * - Otherwise the string must be an ISO-8601 date or date-time: `2024-05-01`, `2024-05-01T12:00`,
 *   `2024-05-01T12:00:00.123+02:00`, `2024-05-01 12:00:00Z`, or the basic `20240501T120000Z`. Seconds
 *   and their fraction (`.` or `,`) are optional; the zone is `Z`, `±hh`, `±hhmm` or `±hh:mm`; `T`, `Z`
 *   may be lower case. A date-time without a zone is read as UTC, and a date alone as midnight UTC.
 * - A date or time that does not exist (`2024-02-30`, `2023-02-29`, month 13, hour 25, minute 60, a
 *   leap second `:60`) is left out, not rolled over into the next day or month (`24:00` is ISO-8601's
 *   midnight at the end of the day, so the next day's 00:00); so is any other text (`May 1, 2024`, `2024/05/01`), and any
 *   time outside the years 0000-9999, which ISO-8601 cannot write plainly.
 *
 * "Left out" means `undefined`: the event is still sent, at FullStory's receive time, which loses less
 * than refusing it. date-fns' `parseISO` checks the calendar (month lengths, leap years); the shape is
 * checked here first, because `parseISO` is lenient about some (a zone it cannot read counts as UTC)
 * and reads a date-time without a zone in the host's time zone, so one is always added before it.
 */

/** Unix time below this magnitude is read as seconds, from it on as milliseconds (1e11 s is the year 5138). */
export const SECONDS_LIMIT = 1e11

/** A number as JavaScript's Number() reads a decimal: sign, digits, fraction, exponent. */
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i

const ZONE = String.raw`[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?`

/** An ISO-8601 calendar date, optionally with a time and a zone: extended (`-`, `:`) or basic form. */
const ISO_DATE_TIME = new RegExp(
  String.raw`^(?:(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}(?:[.,]\d+)?))?(${ZONE})?)?` +
    String.raw`|(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2}(?:[.,]\d+)?))?(${ZONE})?)$`
)
/** The first and last instants ISO-8601 writes with a plain four-digit year. */
const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z')
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z')

function toIso(time: number): string | undefined {
  if (!Number.isFinite(time)) return undefined
  const date = new Date(time)
  const ms = date.getTime()
  if (Number.isNaN(ms) || ms < MIN_TIME || ms > MAX_TIME) return undefined
  return date.toISOString()
}

function fromUnixTime(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined
  return toIso(Math.abs(value) < SECONDS_LIMIT ? value * 1000 : value)
}

function fromIso(text: string): string | undefined {
  const match = ISO_DATE_TIME.exec(text)
  if (!match) return undefined
  const extended = match[1] !== undefined
  const [year, month, day, hour, minute, second, zone] = extended ? match.slice(1, 8) : match.slice(8, 15)
  // Rewritten in the one form parseISO reads strictly, always with a zone, so never in local time.
  const time = hour === undefined ? '00:00' : `${hour}:${minute}${second === undefined ? '' : `:${second}`}`
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone
  const date = parseISO(`${year}-${month}-${day}T${time}${offset}`)
  return isValid(date) ? toIso(date.getTime()) : undefined
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The number written by `count` decimal digits of `text` from `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * True when `text` is already what this module sends: `Date#toISOString`'s form of a real instant
 * (`2024-05-01T12:00:00.000Z`, what Segment's libraries send), which the full parse below would give
 * back unchanged, so it is sent as it is. Checked field by field, calendar included (`2024-02-30`,
 * hour 24, a leap second `:60` are not), without building a Date: this runs for every event and for
 * every property value of this length.
 */
export function isCanonical(text: string): boolean {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */) return false
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return false
  if (text[19] !== '.' || digitsAt(text, 20, 3) < 0) return false
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])
}

/**
 * FullStory's `timestamp` for the Timestamp field: UTC ISO-8601 with milliseconds, or `undefined`
 * (left out; FullStory then uses its receive time) for no value or one that is not a real date.
 */
export function parseTimestamp(value: string | number | null | undefined): string | undefined {
  if (typeof value === 'number') return fromUnixTime(value)
  if (typeof value !== 'string') return undefined
  if (isCanonical(value)) return value
  const text = value.trim()
  if (text === '') return undefined
  if (NUMERIC.test(text)) return fromUnixTime(Number(text))
  return fromIso(text)
}
