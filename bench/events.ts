import type { SegmentEvent } from '@segment/actions-core'

/**
 * The bench's fixed input: a realistic mix of Segment identify, track and page calls, generated once
 * from a seeded generator, so every run (and every phase of a run) sends the same events.
 *
 * Mix (exact counts, then shuffled): 20% identify, 40% track, 40% page. Every event has a userId
 * (an event without one is refused before sending and would measure the error path instead). Traits
 * and properties look like what Segment customers send: camelCase and snake_case keys, a few keys
 * FullStory cannot take as they are ("Favorite Color", "Größe", "1st_purchase"), ISO date-times,
 * nested objects, and e-commerce `products` arrays. Contexts are analytics.js-like, some with a
 * location (country and region as codes or as names) and some from a mobile app.
 */

export const EVENT_COUNT = 5000
export const MIX = { identify: 0.2, track: 0.4, page: 0.4 } as const

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
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[items[i], items[j]] = [items[j], items[i]]
    }
    return items
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
const PAGES = [
  { name: 'Home', path: '/' },
  { name: 'Pricing', path: '/pricing' },
  { name: 'Docs', path: '/docs/getting-started' },
  { name: 'Blog', path: '/blog/what-we-shipped' },
  { name: '', path: '/checkout' },
  { name: 'Product', path: '/products/sku-1234' }
]
const TRACK_NAMES = ['Order Completed', 'Product Viewed', 'Product Added', 'Signed Up', 'Button Clicked', 'Searched']
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

function trackProperties(random: Random, event: string): Record<string, unknown> {
  switch (event) {
    case 'Order Completed': {
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
    case 'Product Viewed':
    case 'Product Added':
      return { ...product(random), currency: 'USD', position: random.int(1, 20), 'Image URL': 'https://cdn.x/y.png' }
    case 'Signed Up':
      return { method: random.pick(['google', 'email']), plan: random.pick(PLANS), trial_ends_at: isoTime(random, -30) }
    case 'Button Clicked':
      return { label: random.pick(['Buy', 'Start trial', 'Contact us']), location: 'header', experiment: { id: 7 } }
    default:
      return { query: random.pick(['shoes', 'garden hose', 'jazz']), results: random.int(0, 120) }
  }
}

/** The bench's events, always the same for the same count. */
export function generateEvents(count = EVENT_COUNT, seed = 20240501): SegmentEvent[] {
  const random = new Random(seed)
  const identifies = Math.round(count * MIX.identify)
  const tracks = Math.round(count * MIX.track)
  const types = [
    ...Array<string>(identifies).fill('identify'),
    ...Array<string>(tracks).fill('track'),
    ...Array<string>(count - identifies - tracks).fill('page')
  ]
  random.shuffle(types)

  return types.map((type, n) => {
    const userNumber = random.int(1, 2000)
    const page = random.pick(PAGES)
    const common = {
      type,
      messageId: `bench-${n}-${random.uuid()}`,
      userId: `user-${userNumber}`,
      anonymousId: random.uuid(),
      timestamp: isoTime(random, 2),
      receivedAt: new Date(BASE_TIME).toISOString(),
      context: context(random, page.path)
    }
    if (type === 'identify') return { ...common, traits: traits(random, userNumber) } as SegmentEvent
    if (type === 'page') {
      return {
        ...common,
        name: page.name || undefined,
        properties: {
          path: page.path,
          url: `https://www.example.com${page.path}`,
          title: page.name || 'Example',
          referrer: 'https://www.google.com/',
          search: ''
        }
      } as SegmentEvent
    }
    const event = random.pick(TRACK_NAMES)
    return { ...common, event, properties: trackProperties(random, event) } as SegmentEvent
  })
}

/**
 * One realistic 60-key traits object (for the properties module alone): flat strings, numbers,
 * booleans and ISO date-times, names that need cleaning, nested objects, a list of scalars and a
 * `products` list of objects.
 */
export function sixtyKeyTraits(): Record<string, unknown> {
  const random = new Random(60)
  const out: Record<string, unknown> = {
    ...traits(random, 1),
    ...trackProperties(random, 'Order Completed'),
    products: Array.from({ length: 4 }, () => product(random))
  }
  const extra = [
    'utm_source',
    'utm_medium',
    'utm_campaign',
    'Lifetime Value',
    'last_seen_at',
    'accountStatus',
    'seats',
    'Über uns',
    '$browser',
    'referrer_domain',
    'signup_source',
    'nps_score',
    'onboarding',
    'preferences'
  ]
  for (const key of extra) out[key] = random.pick(['google', 'cpc', 'spring', 42.5, true, isoTime(random, 10)])
  out.onboarding = { completed: true, steps: ['profile', 'invite', 'integrate'], finished_at: isoTime(random, 5) }
  out.preferences = { theme: 'dark', notifications: { email: true, sms: false, digest: 'weekly' } }
  let i = 0
  while (Object.keys(out).length < 60) out[`custom_attribute_${++i}`] = random.chance(0.5) ? `value ${i}` : i * 3
  return out
}
