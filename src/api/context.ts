import { isIP } from 'net'
import type * as Countries from 'i18n-iso-countries'
import type * as CountryRegionData from 'country-region-data'
import { memo } from './memo'
import type { EventContext } from './types'

/**
 * Segment context -> FullStory event `context`, keeping only values of the form FullStory accepts
 * (docs/rules.md#context; https://developer.fullstory.com/server/events/create-event/).
 */

/** What the Context field holds: members of a Segment event's `context`, each of any form. */
export interface ContextInput {
  page?: { url?: unknown; referrer?: unknown }
  userAgent?: unknown
  app?: { namespace?: unknown; name?: unknown; version?: unknown }
  device?: { manufacturer?: unknown; model?: unknown }
  screen?: { width?: unknown; height?: unknown }
  ip?: unknown
  location?: { city?: unknown; country?: unknown; region?: unknown; latitude?: unknown; longitude?: unknown }
}

/** `value` when it is an object whose members can be read, else an empty one. */
function group<T extends object>(value: T | undefined): Partial<T> {
  return typeof value === 'object' && value !== null ? value : {}
}

const INT32_MAX = 2_147_483_647

// Loaded on first need (most events carry no location): together they take a third of the load time.
let countryLibrary: typeof Countries | undefined
let regionLibrary: typeof CountryRegionData | undefined
const countries = (): typeof Countries => (countryLibrary ??= require('i18n-iso-countries'))
const allCountries = (): typeof CountryRegionData.allCountries =>
  (regionLibrary ??= require('country-region-data')).allCountries

/** A name reduced for lookups: no diacritics, lower case, words separated by single spaces. */
const lookupKey = memo(100, (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
)

/** A value computed on its first use, then kept. */
function once<T>(compute: () => T): () => T {
  let value: T | undefined
  return () => (value ??= compute())
}

/** Adds `key -> code` unless the key already names another code; such a key is ambiguous and dropped. */
function addUnambiguous(table: Map<string, string>, ambiguous: Set<string>, key: string, code: string): void {
  if (key === '' || ambiguous.has(key)) return
  const known = table.get(key)
  if (known === undefined) table.set(key, code)
  else if (known !== code) {
    table.delete(key)
    ambiguous.add(key)
  }
}

/** English country names (official, short and alias forms) -> alpha-2 code. */
const countryByName = once((): ReadonlyMap<string, string> => {
  const table = new Map<string, string>()
  const ambiguous = new Set<string>()
  for (const [code, names] of Object.entries(countries().getNames('en', { select: 'all' }))) {
    for (const name of names) addUnambiguous(table, ambiguous, lookupKey(name), code)
  }
  // country-region-data spells some names differently ("Gambia, The"); they only fill gaps.
  for (const [name, code] of allCountries()) {
    const key = lookupKey(name)
    if (!table.has(key) && !ambiguous.has(key) && countries().isValid(code)) table.set(key, code)
  }
  return table
})

type Subdivisions = { codes: ReadonlySet<string>; byName: ReadonlyMap<string, string> }

/** Subdivision code as ISO 3166-2 writes it after `CC-`: 1 to 3 capital letters or digits. */
const SUBDIVISION_CODE = /^[A-Z0-9]{1,3}$/

/** Alpha-2 country code -> its subdivisions (codes without the `CC-` prefix, and names -> code). */
const subdivisionsByCountry = once((): ReadonlyMap<string, Subdivisions> => {
  const table = new Map<string, Subdivisions>()
  for (const [, countryCode, regions] of allCountries()) {
    const codes = new Set<string>()
    const byName = new Map<string, string>()
    const ambiguous = new Set<string>()
    for (const [name, rawCode] of regions) {
      // The data writes a few codes with their country prefix (`DK-84`) and lacks some.
      const code = rawCode?.startsWith(`${countryCode}-`) ? rawCode.slice(countryCode.length + 1) : rawCode
      if (!code || !SUBDIVISION_CODE.test(code)) continue
      codes.add(code)
      addUnambiguous(byName, ambiguous, lookupKey(name), code)
    }
    if (codes.size > 0) table.set(countryCode, { codes, byName })
  }
  return table
})

/** A trimmed, non-empty string (numbers and booleans as their text), or `undefined`. */
function text(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined
  if (typeof value === 'boolean') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** A finite number, from a number or a numeric string, or `undefined`. */
export function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  const trimmed = typeof value === 'string' ? value.trim() : ''
  const number = NUMERIC.test(trimmed) ? Number(trimmed) : NaN
  return Number.isFinite(number) ? number : undefined
}

function inRange(value: unknown, min: number, max: number): number | undefined {
  const number = finiteNumber(value)
  return number !== undefined && number >= min && number <= max ? number : undefined
}

/** A screen size as a positive int32 (rounded to the nearest pixel), or `undefined`. */
function screenSize(value: unknown): number | undefined {
  const rounded = Math.round(finiteNumber(value) ?? NaN)
  return rounded > 0 && rounded <= INT32_MAX ? rounded : undefined
}

function ipAddress(value: unknown): string | undefined {
  const address = text(value)
  return address !== undefined && isIP(address) !== 0 ? address : undefined
}

/** ISO 3166-1 alpha-2 code for an alpha-2 or alpha-3 code or an English country name, or `undefined`. */
export function countryCode(value: unknown): string | undefined {
  const country = text(value)
  if (country === undefined) return undefined
  const upper = country.toUpperCase()
  if (/^[A-Z]{2}$/.test(upper) && countries().isValid(upper)) return upper
  if (/^[A-Z]{3}$/.test(upper)) {
    const alpha2 = countries().alpha3ToAlpha2(upper)
    if (alpha2) return alpha2
  }
  return countryByName().get(lookupKey(country))
}

/**
 * ISO 3166-2 code (`CC-SUB`) for a region given as a `CC-SUB` code, or as a subdivision code or
 * name of `country` (an alpha-2 code), or `undefined`.
 */
export function regionCode(value: unknown, country: string | undefined): string | undefined {
  const region = text(value)
  if (region === undefined) return undefined
  const full = /^([A-Za-z]{2})-([A-Za-z0-9]{1,3})$/.exec(region)
  if (full) {
    const [prefix, code] = [full[1].toUpperCase(), full[2].toUpperCase()]
    if (country !== undefined && prefix !== country) return undefined
    return subdivisionsByCountry().get(prefix)?.codes.has(code) ? `${prefix}-${code}` : undefined
  }
  if (country === undefined) return undefined
  const subdivisions = subdivisionsByCountry().get(country)
  if (!subdivisions) return undefined
  const byName = subdivisions.byName.get(lookupKey(region))
  if (byName !== undefined) return `${country}-${byName}`
  const upper = region.toUpperCase()
  return subdivisions.codes.has(upper) ? `${country}-${upper}` : undefined
}

/** `object` without its `undefined` values, or `undefined` when nothing is left. */
function compact<T extends object>(object: T): T | undefined {
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(object)) {
    const value = (object as Record<string, unknown>)[key]
    if (value !== undefined) (out ??= {})[key] = value
  }
  return out as T | undefined
}

/** The FullStory event context for the Context field's value, or `undefined` when none is usable. */
export function buildEventContext(input: ContextInput | null | undefined): EventContext | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const page = group(input.page)
  const app = group(input.app)
  const device = group(input.device)
  const screen = group(input.screen)
  const location = group(input.location)
  const country = countryCode(location.country)
  return compact<EventContext>({
    browser: compact({ url: text(page.url), user_agent: text(input.userAgent), initial_referrer: text(page.referrer) }),
    mobile: compact({ app_id: text(app.namespace), app_name: text(app.name), app_version: text(app.version) }),
    device: compact({
      manufacturer: text(device.manufacturer),
      model: text(device.model),
      screen_width: screenSize(screen.width),
      screen_height: screenSize(screen.height)
    }),
    location: compact({
      ip_address: ipAddress(input.ip),
      city: text(location.city),
      country,
      region: regionCode(location.region, country),
      latitude: inRange(location.latitude, -90, 90),
      longitude: inRange(location.longitude, -180, 180)
    })
  })
}
