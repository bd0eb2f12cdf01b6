import { buildEventContext, countryCode, finiteNumber, regionCode } from '../context'
import type { ContextInput } from '../context'

/** The members of a Segment context these tests set, written flat for brevity. */
interface Flat {
  pageUrl?: unknown
  referrer?: unknown
  userAgent?: unknown
  appId?: unknown
  appName?: unknown
  appVersion?: unknown
  deviceManufacturer?: unknown
  deviceModel?: unknown
  screenWidth?: unknown
  screenHeight?: unknown
  ip?: unknown
  city?: unknown
  country?: unknown
  region?: unknown
  latitude?: unknown
  longitude?: unknown
}

/** The Segment context holding `flat`'s values where Segment's spec puts them. */
function ctx(flat: Flat): ContextInput {
  const group = (entries: Record<string, unknown>) => {
    const defined = Object.entries(entries).filter(([, value]) => value !== undefined)
    return defined.length ? Object.fromEntries(defined) : undefined
  }
  const context: Record<string, unknown> = {
    page: group({ url: flat.pageUrl, referrer: flat.referrer }),
    userAgent: flat.userAgent,
    app: group({ namespace: flat.appId, name: flat.appName, version: flat.appVersion }),
    device: group({ manufacturer: flat.deviceManufacturer, model: flat.deviceModel }),
    screen: group({ width: flat.screenWidth, height: flat.screenHeight }),
    ip: flat.ip,
    location: group({
      city: flat.city,
      country: flat.country,
      region: flat.region,
      latitude: flat.latitude,
      longitude: flat.longitude
    })
  }
  return group(context) ?? {}
}

describe('buildEventContext: Segment context -> FullStory event context', () => {
  it('maps a full Segment context into every FullStory group', () => {
    expect(
      buildEventContext({
        page: { url: 'https://example.com/pricing?plan=pro', referrer: 'https://www.google.com/', title: 'Pricing' },
        userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
        app: { namespace: 'com.example.app', name: 'Example', version: '4.2.1', build: '421' },
        device: { manufacturer: 'Apple', model: 'iPhone15,2', type: 'ios' },
        screen: { width: 1179, height: 2556, density: 3 },
        ip: '203.0.113.7',
        location: {
          city: 'San Francisco',
          country: 'United States',
          region: 'California',
          latitude: 37.7749,
          longitude: -122.4194
        },
        library: { name: 'analytics.js', version: '2.11.1' },
        locale: 'en-US'
      } as ContextInput)
    ).toEqual({
      browser: {
        url: 'https://example.com/pricing?plan=pro',
        user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
        initial_referrer: 'https://www.google.com/'
      },
      mobile: { app_id: 'com.example.app', app_name: 'Example', app_version: '4.2.1' },
      device: { manufacturer: 'Apple', model: 'iPhone15,2', screen_width: 1179, screen_height: 2556 },
      location: {
        ip_address: '203.0.113.7',
        city: 'San Francisco',
        country: 'US',
        region: 'US-CA',
        latitude: 37.7749,
        longitude: -122.4194
      }
    })
  })

  it('writes the groups and their keys in one fixed order, whatever the input order', () => {
    const a = buildEventContext({
      location: { longitude: 2.35, latitude: 48.85, city: 'Paris' },
      userAgent: 'UA',
      page: { url: 'u' }
    })
    const b = buildEventContext({
      page: { url: 'u' },
      userAgent: 'UA',
      location: { city: 'Paris', latitude: 48.85, longitude: 2.35 }
    })
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    expect(JSON.stringify(a)).toBe(
      '{"browser":{"url":"u","user_agent":"UA"},"location":{"city":"Paris","latitude":48.85,"longitude":2.35}}'
    )
  })

  it('converts a country given as a name, and its region name, to ISO codes', () => {
    expect(buildEventContext(ctx({ country: 'Germany', region: 'Bayern' }))).toEqual({
      location: { country: 'DE', region: 'DE-BY' }
    })
    expect(buildEventContext(ctx({ country: 'côte d’ivoire' }))).toEqual({ location: { country: 'CI' } })
    expect(buildEventContext(ctx({ country: 'United Kingdom', region: 'Aberdeen City' }))).toEqual({
      location: { country: 'GB', region: 'GB-ABE' }
    })
  })

  it('leaves out a country it cannot recognise, and the region that depends on it', () => {
    expect(buildEventContext(ctx({ country: 'Atlantis', region: 'California', city: 'Poseidonia' }))).toEqual({
      location: { city: 'Poseidonia' }
    })
  })

  it('leaves out invalid numbers: non-numeric, non-finite, out of range, non-positive screen sizes', () => {
    expect(
      buildEventContext(
        ctx({
          latitude: 'north',
          longitude: 181,
          screenWidth: 0,
          screenHeight: Number.POSITIVE_INFINITY,
          city: 'Somewhere'
        })
      )
    ).toEqual({ location: { city: 'Somewhere' } })
    expect(buildEventContext(ctx({ latitude: -90.5, longitude: Number.NaN }))).toBeUndefined()
    expect(buildEventContext(ctx({ screenWidth: -1024, screenHeight: 2 ** 31 }))).toBeUndefined()
  })

  it('reads numeric strings as numbers and rounds fractional screen sizes', () => {
    expect(
      buildEventContext(
        ctx({ latitude: ' 51.5072 ', longitude: '-0.1276', screenWidth: '392.7272', screenHeight: '850' })
      )
    ).toEqual({
      device: { screen_width: 393, screen_height: 850 },
      location: { latitude: 51.5072, longitude: -0.1276 }
    })
  })

  it('omits empty strings, empty groups and, with nothing left, the whole context', () => {
    expect(buildEventContext(ctx({ pageUrl: '', userAgent: '   ', appName: '' }))).toBeUndefined()
    expect(buildEventContext(ctx({}))).toBeUndefined()
    expect(buildEventContext(undefined)).toBeUndefined()
    expect(buildEventContext(ctx({ deviceModel: 'Pixel 8', pageUrl: '  ' }))).toEqual({ device: { model: 'Pixel 8' } })
  })

  it('reads only the members it knows, and skips groups that are not objects', () => {
    expect(buildEventContext({ page: 'https://example.com', location: null, ip: '203.0.113.7' } as never)).toEqual({
      location: { ip_address: '203.0.113.7' }
    })
    expect(buildEventContext('not an object' as never)).toBeUndefined()
  })

  it('sends an IP address only when it is one', () => {
    expect(buildEventContext(ctx({ ip: '2001:db8::1' }))).toEqual({ location: { ip_address: '2001:db8::1' } })
    expect(buildEventContext(ctx({ ip: 'localhost' }))).toBeUndefined()
    expect(buildEventContext(ctx({ ip: '300.1.1.1' }))).toBeUndefined()
  })
})

describe('countryCode', () => {
  it.each([
    ['US', 'US'],
    ['us', 'US'],
    ['DEU', 'DE'],
    ['United States of America', 'US'],
    ['UK', 'GB'],
    ['Great Britain', 'GB'],
    ['  france ', 'FR'],
    ['Korea, Republic of', 'KR'],
    ['Gambia, The', 'GM']
  ])('converts %j to %j', (input, expected) => {
    expect(countryCode(input)).toBe(expected)
  })

  it.each([['ZZ'], ['XYZ'], ['Atlantis'], ['Congo'], [''], [42], [null], [{ name: 'US' }]])(
    'leaves out %j',
    (input) => {
      expect(countryCode(input)).toBeUndefined()
    }
  )
})

describe('regionCode', () => {
  it.each([
    ['CA', 'US', 'US-CA'],
    ['ca', 'US', 'US-CA'],
    ['US-CA', 'US', 'US-CA'],
    ['us-ny', undefined, 'US-NY'],
    ['New York', 'US', 'US-NY'],
    ['Île-de-France', 'FR', 'FR-IDF'],
    ['ile de france', 'FR', 'FR-IDF'],
    ['Hovedstaden', 'DK', 'DK-84'],
    ['DK-84', 'DK', 'DK-84']
  ])('converts %j in %j to %j', (region, country, expected) => {
    expect(regionCode(region, country)).toBe(expected)
  })

  it.each([
    ['California', undefined],
    ['CA', undefined],
    ['US-CA', 'DE'],
    ['US-ZZ', 'US'],
    ['Narnia', 'US'],
    ['', 'US'],
    ['California', 'AQ']
  ])('leaves out %j in %j', (region, country) => {
    expect(regionCode(region, country)).toBeUndefined()
  })
})

describe('finiteNumber', () => {
  it.each([
    [12.5, 12.5],
    ['12.5', 12.5],
    ['-3', -3],
    ['1e3', 1000],
    ['.5', 0.5]
  ])('reads %j as %j', (input, expected) => {
    expect(finiteNumber(input)).toBe(expected)
  })

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], ['NaN'], ['Infinity'], ['12px'], [''], ['0x10'], [true], [null]])(
    'refuses %j',
    (input) => {
      expect(finiteNumber(input)).toBeUndefined()
    }
  )
})
