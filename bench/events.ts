import type { SegmentEvent } from '@segment/actions-core'

/**
 * The bench's realistic corpus, the same on every run (seeded): `Order Completed` tracks with 1 to 5
 * products, and identifies with realistic traits (nested objects, a list, a null, names FullStory
 * cannot take as they are: "Favorite Color", "Größe", "1st_purchase"). Every event has a userId and
 * an analytics.js-like context (60% with a location, as codes or names; 20% from a mobile app).
 */

export type EventSet = 'tracks' | 'identifies'
export const EVENT_SETS: EventSet[] = ['tracks', 'identifies']
export const COUNTS: Record<EventSet, number> = { tracks: 4000, identifies: 1000 }

/** Seeded draws (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0
  const float = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const hex = (length: number) => {
    let out = ''
    while (out.length < length) out += Math.floor(float() * 16).toString(16)
    return out
  }
  const int = (min: number, max: number) => min + Math.floor(float() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(float() * items.length)]
  const time = (days: number) => new Date(BASE_TIME - int(0, days * 86_400_000)).toISOString()
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
  return { hex, int, pick, time, uuid, chance: (p: number) => float() < p }
}
type Random = ReturnType<typeof random>

const BASE_TIME = Date.UTC(2024, 4, 1, 12, 0, 0)
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Frances', 'Dennis', 'Radia', 'José']
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Turing', 'Liskov', 'Thompson', 'Allen', 'Müller']
const PLACES = 'San Francisco,United States,California;New York,US,NY;Berlin,Germany,Berlin;Paris,FR,FR-75;London,'
const LOCATIONS = `${PLACES}United Kingdom;São Paulo,BRA,São Paulo`.split(';').map((place) => place.split(','))
const location = ([city, country, region]: string[]) => (region ? { city, country, region } : { city, country })
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
]

function context(r: Random, path: string): Record<string, unknown> {
  const ip = `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`
  const library = { name: 'analytics.js', version: '5.2.0' }
  const locale = r.pick(['en-US', 'de-DE', 'fr-FR'])
  const timezone = r.pick(['America/Los_Angeles', 'Europe/Berlin', 'Europe/Paris'])
  const userAgent = r.pick(USER_AGENTS)
  const referrer = r.pick(['https://www.google.com/', 'https://news.ycombinator.com/', ''])
  const page = { path, referrer, title: 'Example', url: `https://www.example.com${path}` }
  const out: Record<string, unknown> = { ip, library, locale, timezone, userAgent, page }
  if (r.chance(0.6)) out.location = { ...location(r.pick(LOCATIONS)), latitude: 37.77, longitude: -122.41 }
  if (r.chance(0.2)) {
    out.app = { name: 'Example', version: '3.4.1', namespace: 'com.example.app' }
    out.device = { manufacturer: 'Apple', model: 'iPhone15,2' }
    out.screen = { width: 1179, height: 2556 }
  }
  return out
}

function traits(r: Random, n: number): Record<string, unknown> {
  const [first, last] = [r.pick(FIRST), r.pick(LAST)]
  const [plan, createdAt, logins] = [r.pick(['free', 'starter', 'pro', 'enterprise']), r.time(900), r.int(1, 400)]
  const [is_paying, company] = [r.chance(0.4), `${r.pick(LAST)} Inc.`]
  const industry = r.pick(['Software', 'Retail', 'Finance', 'Healthcare', 'Education'])
  const [employees, created_at] = [r.int(5, 5000), r.time(3000)]
  const address = { city: r.pick(LOCATIONS)[0], country: 'US', postalCode: String(r.int(10000, 99999)) }
  const [tags, color] = [['beta', r.pick(['newsletter', 'webinar', 'trial'])], r.pick(['red', 'green', 'blue'])]
  const out: Record<string, unknown> = { name: `${first} ${last}`, firstName: first, lastName: last }
  Object.assign(out, { email: `${first.toLowerCase()}.${n}@example.com`, plan, createdAt, logins, is_paying })
  Object.assign(out, { company: { name: company, industry, employees, created_at }, address, tags })
  out['Favorite Color'] = color
  if (r.chance(0.3)) out['Größe'] = r.pick(['S', 'M', 'L'])
  if (r.chance(0.3)) out['1st_purchase'] = r.time(400)
  if (r.chance(0.2)) out.phone = null
  return out
}

function order(r: Random): Record<string, unknown> {
  const products = Array.from({ length: r.int(1, 5) }, () => {
    const [product_id, sku] = [r.hex(12), `SKU-${r.int(1000, 9999)}`]
    const category = r.pick(['Books', 'Games', 'Garden', 'Music', 'Outdoors'])
    const [name, price, quantity] = [`Item ${r.int(1, 500)}`, r.int(100, 9999) / 100, r.int(1, 4)]
    return {
      product_id,
      sku,
      category,
      name,
      price,
      quantity,
      url: `https://www.example.com/products/${r.int(1, 500)}`
    }
  })
  const [order_id, total, revenue] = [r.hex(10), r.int(1000, 50000) / 100, r.int(1000, 40000) / 100]
  const [shipping, tax, discount, coupon] = [4.99, 2.5, 0, r.chance(0.3) ? 'SPRING' : null]
  const affiliation = 'Online Store'
  return { order_id, affiliation, total, revenue, shipping, tax, discount, coupon, currency: 'USD', products }
}

/** The events of one set, always the same (`count` of them: the first ones, then more of the same kind). */
export function benchEvents(set: EventSet, count = COUNTS[set]): SegmentEvent[] {
  const identify = set === 'identifies'
  const r = random(identify ? 20240502 : 20240501)
  return Array.from({ length: count }, (_, n) => {
    const user = r.int(1, 2000)
    const [messageId, userId, anonymousId] = [`bench-${set}-${n}-${r.uuid()}`, `user-${user}`, r.uuid()]
    const [type, timestamp, receivedAt] = [
      identify ? 'identify' : 'track',
      r.time(2),
      new Date(BASE_TIME).toISOString()
    ]
    const path = r.pick(['/', '/pricing', '/checkout', '/products/sku-1234', '/cart'])
    const event = { type, messageId, userId, anonymousId, timestamp, receivedAt, context: context(r, path) }
    if (identify) return { ...event, traits: traits(r, user) } as SegmentEvent
    return { ...event, event: 'Order Completed', properties: order(r) } as SegmentEvent
  })
}
