import type { SegmentEvent } from '@segment/actions-core'

/**
 * The bench's fixed input, generated once from a seeded generator, so every run (and both
 * destinations) get the same events:
 *
 * - TRACK_COUNT `Order Completed` track calls, each with 1 to 5 `products` (an e-commerce order as
 *   analytics.js sends it: order id, totals, currency, a coupon that is sometimes null);
 * - IDENTIFY_COUNT identify calls with realistic traits: camelCase and snake_case names, a few names
 *   FullStory cannot take as they are ("Favorite Color", "Größe", "1st_purchase"), ISO date-times,
 *   nested objects, a list, a null.
 *
 * Every event has a userId and an analytics.js-like context (60% with a location, country and
 * region as codes or as names; 20% from a mobile app), so every event is sent by both destinations.
 */

export const TRACK_COUNT = 4000
export const IDENTIFY_COUNT = 1000

/** Single events in flight at once (Segment delivers many events to a destination concurrently). */
export const IN_FLIGHT = 16
/** Events per `onBatch` call (Segment's usual batch size, and our Batch Size field's default). */
export const BATCH_SIZE = 1000
/**
 * The timed runs take the events a chunk at a time, each chunk through every variant in turn
 * (bench/run.ts); a chunk is one batch on the batch path.
 */
export const CHUNK = BATCH_SIZE

/** The number of chunks of a set of `count` events. */
export const chunkCount = (count: number) => Math.ceil(count / CHUNK)

export type EventSet = 'tracks' | 'identifies'
export const EVENT_SETS: EventSet[] = ['tracks', 'identifies']

/** mulberry32: small, fast, seeded. */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Random {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = generator(seed)
  }
  float(): number {
    return this.next()
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  hex(length: number): string {
    let out = ''
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16)
    return out
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`
  }
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Frances', 'Dennis', 'Radia', 'José']
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Turing', 'Liskov', 'Thompson', 'Allen', 'Müller']
const PLANS = ['free', 'starter', 'pro', 'enterprise']
const INDUSTRIES = ['Software', 'Retail', 'Finance', 'Healthcare', 'Education']
const LOCATIONS = [
  { city: 'San Francisco', country: 'United States', region: 'California' },
  { city: 'New York', country: 'US', region: 'NY' },
  { city: 'Berlin', country: 'Germany', region: 'Berlin' },
  { city: 'Paris', country: 'FR', region: 'FR-75' },
  { city: 'London', country: 'United Kingdom' },
  { city: 'São Paulo', country: 'BRA', region: 'São Paulo' }
]
const PATHS = ['/', '/pricing', '/checkout', '/products/sku-1234', '/cart']
const CATEGORIES = ['Books', 'Games', 'Garden', 'Music', 'Outdoors']
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
]

const BASE_TIME = Date.UTC(2024, 4, 1, 12, 0, 0)

function isoTime(random: Random, spreadDays: number): string {
  return new Date(BASE_TIME - random.int(0, spreadDays * 86_400_000)).toISOString()
}

function context(random: Random, pagePath: string): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    ip: `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
    library: { name: 'analytics.js', version: '5.2.0' },
    locale: random.pick(['en-US', 'de-DE', 'fr-FR']),
    timezone: random.pick(['America/Los_Angeles', 'Europe/Berlin', 'Europe/Paris']),
    userAgent: random.pick(USER_AGENTS),
    page: {
      path: pagePath,
      referrer: random.pick(['https://www.google.com/', 'https://news.ycombinator.com/', '']),
      title: 'Example',
      url: `https://www.example.com${pagePath}`
    }
  }
  if (random.chance(0.6)) ctx.location = { ...random.pick(LOCATIONS), latitude: 37.77, longitude: -122.41 }
  if (random.chance(0.2)) {
    ctx.app = { name: 'Example', version: '3.4.1', namespace: 'com.example.app' }
    ctx.device = { manufacturer: 'Apple', model: 'iPhone15,2' }
    ctx.screen = { width: 1179, height: 2556 }
  }
  return ctx
}

function traits(random: Random, n: number): Record<string, unknown> {
  const first = random.pick(FIRST)
  const last = random.pick(LAST)
  const out: Record<string, unknown> = {
    name: `${first} ${last}`,
    firstName: first,
    lastName: last,
    email: `${first.toLowerCase()}.${n}@example.com`,
    plan: random.pick(PLANS),
    createdAt: isoTime(random, 900),
    logins: random.int(1, 400),
    is_paying: random.chance(0.4),
    company: {
      name: `${random.pick(LAST)} Inc.`,
      industry: random.pick(INDUSTRIES),
      employees: random.int(5, 5000),
      created_at: isoTime(random, 3000)
    },
    address: { city: random.pick(LOCATIONS).city, country: 'US', postalCode: String(random.int(10000, 99999)) },
    tags: ['beta', random.pick(['newsletter', 'webinar', 'trial'])],
    'Favorite Color': random.pick(['red', 'green', 'blue'])
  }
  if (random.chance(0.3)) out['Größe'] = random.pick(['S', 'M', 'L'])
  if (random.chance(0.3)) out['1st_purchase'] = isoTime(random, 400)
  if (random.chance(0.2)) out.phone = null
  return out
}

function product(random: Random): Record<string, unknown> {
  return {
    product_id: random.hex(12),
    sku: `SKU-${random.int(1000, 9999)}`,
    category: random.pick(CATEGORIES),
    name: `Item ${random.int(1, 500)}`,
    price: random.int(100, 9999) / 100,
    quantity: random.int(1, 4),
    url: `https://www.example.com/products/${random.int(1, 500)}`
  }
}

function orderProperties(random: Random): Record<string, unknown> {
  const products = Array.from({ length: random.int(1, 5) }, () => product(random))
  return {
    order_id: random.hex(10),
    affiliation: 'Online Store',
    total: random.int(1000, 50000) / 100,
    revenue: random.int(1000, 40000) / 100,
    shipping: 4.99,
    tax: 2.5,
    discount: 0,
    coupon: random.chance(0.3) ? 'SPRING' : null,
    currency: 'USD',
    products
  }
}

/** The bench's events of one set, always the same. */
export function benchEvents(set: EventSet): SegmentEvent[] {
  const identify = set === 'identifies'
  const random = new Random(identify ? 20240502 : 20240501)
  return Array.from({ length: identify ? IDENTIFY_COUNT : TRACK_COUNT }, (_, n) => {
    const userNumber = random.int(1, 2000)
    const common = {
      type: identify ? 'identify' : 'track',
      messageId: `bench-${set}-${n}-${random.uuid()}`,
      userId: `user-${userNumber}`,
      anonymousId: random.uuid(),
      timestamp: isoTime(random, 2),
      receivedAt: new Date(BASE_TIME).toISOString(),
      context: context(random, random.pick(PATHS))
    }
    if (identify) return { ...common, traits: traits(random, userNumber) } as SegmentEvent
    return { ...common, event: 'Order Completed', properties: orderProperties(random) } as SegmentEvent
  })
}
