import { DEV_API_KEY } from '../constants'
import { startServer, type RunningServer } from '../server'
import { startSimulator, type Simulator } from '../simulator'
import { call } from './helpers'

// End to end: Segment HTTP tracking calls and `bin/run serve` action calls into the local server,
// through the destination (presets, mappings, actions, src/fullstory/), into the FullStory simulator.

let sim: Simulator
let server: RunningServer
let logLines: string[]

beforeAll(async () => {
  sim = await startSimulator({ keys: { [DEV_API_KEY]: 'ADMIN' }, fullSessions: ['full-device:full-session'] })
  server = await startServer({ port: 0, fullstoryUrl: sim.url, log: (line) => logLines.push(line) })
})
afterAll(async () => {
  await server.close()
  await sim.close()
})
beforeEach(() => {
  sim.reset()
  logLines = []
})

const WRITE_KEY = { Authorization: `Basic ${Buffer.from('e2e-write-key:').toString('base64')}` }

function segment(path: string, body: unknown) {
  return call(server.url, 'POST', path, { body, headers: WRITE_KEY })
}

const context = {
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (Macintosh)',
  page: { url: 'https://shop.example.com/pricing', referrer: 'https://www.google.com/' },
  location: { city: 'San Francisco', country: 'US', region: 'US-CA', latitude: 37.77, longitude: -122.42 },
  screen: { width: 1440, height: 900 }
}

describe('Segment HTTP tracking routes', () => {
  it('identify arrives as a FullStory user, keyed by userId, with the messageId as Idempotency-Key', async () => {
    const reply = await segment('/v1/identify', {
      userId: 'user-1',
      anonymousId: 'anon-1',
      messageId: 'msg-identify-1',
      traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro', 'first-login': '2024-01-31T12:00:00Z' }
    })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({
      success: true,
      messageId: 'msg-identify-1',
      deliveries: [{ action: 'identifyUser', status: 200 }]
    })
    expect(sim.users()).toEqual([
      expect.objectContaining({
        uid: 'user-1',
        display_name: 'Ada Lovelace',
        email: 'ada@example.com',
        properties: expect.objectContaining({
          segmentAnonymousId: 'anon-1',
          plan: 'pro',
          firstlogin: '2024-01-31T12:00:00Z'
        }),
        upserts: 1
      })
    ])
    expect(sim.requests()).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v2/users', idempotencyKey: 'msg-identify-1' })
    ])
  })

  it('track arrives as a FullStory event on the user, with properties, timestamp and context', async () => {
    const reply = await segment('/v1/track', {
      userId: 'user-1',
      event: 'Order Completed',
      messageId: 'msg-track-1',
      timestamp: '2024-01-31T13:00:00+01:00',
      properties: { total: 42.5, 'coupon code': 'SPRING', products: [{ sku: 'a' }, { sku: 'b' }] },
      context
    })
    expect(reply.status).toBe(200)
    expect(sim.events()).toEqual([
      expect.objectContaining({
        name: 'Order Completed',
        timestamp: '2024-01-31T12:00:00.000Z',
        user: { id: expect.any(String), uid: 'user-1' },
        session: { use_most_recent: true },
        properties: { total: 42.5, couponcode: 'SPRING', products: { sku: ['a', 'b'] } },
        context: expect.objectContaining({
          browser: expect.objectContaining({ url: context.page.url, user_agent: context.userAgent }),
          location: expect.objectContaining({ country: 'US', region: 'US-CA', ip_address: '203.0.113.7' })
        })
      })
    ])
    expect(sim.requests()[0].idempotencyKey).toBe('msg-track-1')
  })

  it('page arrives as a "Viewed <name>" event through the Track Page Views preset', async () => {
    const reply = await segment('/v1/page', { userId: 'user-1', name: 'Pricing', properties: { path: '/pricing' } })
    expect(reply.json.deliveries).toEqual([{ action: 'trackEvent', status: 200 }])
    expect(sim.events()).toEqual([
      expect.objectContaining({ name: 'Viewed Pricing', user: expect.objectContaining({ uid: 'user-1' }) })
    ])
  })

  it('a mixed /v1/batch arrives in order as users and events; a screen call subscribes to nothing', async () => {
    const reply = await segment('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'u-2', traits: { email: 'b@example.com' } },
        { type: 'track', userId: 'u-2', event: 'Signed Up', properties: { source: 'ad' } },
        { type: 'page', userId: 'u-2', name: 'Home' },
        { type: 'screen', userId: 'u-2', name: 'Main' },
        { type: 'track', userId: 'u-3', event: 'Invited' }
      ],
      context: { ip: '198.51.100.1' }
    })
    expect(reply.status).toBe(200)
    expect(reply.json.success).toBe(true)
    expect(reply.json.results.map((r: any) => r.deliveries.map((d: any) => `${d.action} ${d.status}`))).toEqual([
      ['identifyUser 200'],
      ['trackEvent 200'],
      ['trackEvent 200'],
      [],
      ['trackEvent 200']
    ])
    expect(sim.users().map((u) => [u.uid, u.email])).toEqual([
      ['u-2', 'b@example.com'],
      ['u-3', undefined]
    ])
    expect(sim.events().map((e) => [e.name, e.user?.uid, e.context?.location])).toEqual([
      ['Signed Up', 'u-2', { ip_address: '198.51.100.1' }],
      ['Viewed Home', 'u-2', { ip_address: '198.51.100.1' }],
      ['Invited', 'u-3', { ip_address: '198.51.100.1' }]
    ])
    expect(logLines).toHaveLength(5)
  })

  it('messageId and timestamp are filled when absent, as Segment does', async () => {
    const reply = await segment('/v1/track', { userId: 'user-1', event: 'Clicked' })
    expect(reply.json.messageId).toMatch(/^api-[0-9a-f-]{36}$/)
    expect(sim.requests()[0].idempotencyKey).toBe(reply.json.messageId)
    expect(Date.parse(sim.events()[0].timestamp)).not.toBeNaN()
  })

  it('an event for a full session is sent again by User ID (session_page_limit_exceeded)', async () => {
    const reply = await segment('/v1/track', {
      userId: 'user-1',
      event: 'Late Event',
      properties: {},
      context: {},
      integrations: {}
    })
    expect(reply.status).toBe(200)
    const viaMapping = await call(server.url, 'POST', '/trackEvent', {
      body: {
        payload: { userId: 'user-1', event: 'In Full Session', properties: { url: 'x' } },
        settings: {},
        mapping: { session_url: 'https://app.fullstory.com/ui/o-1/session/full-device%3Afull-session' }
      }
    })
    expect(viaMapping.status).toBe(200)
    expect(
      sim
        .requests()
        .slice(1)
        .map((r) => r.status)
    ).toEqual([400, 200])
    expect(sim.events().map((e) => [e.name, e.user?.uid, e.session])).toEqual([
      ['Late Event', 'user-1', { use_most_recent: true }],
      ['In Full Session', 'user-1', { use_most_recent: true }]
    ])
  })
})

describe('retries: a request retried with the same Idempotency-Key is stored once', () => {
  it('the same message sent twice (a client retry) is one event; the second answer is the replay', async () => {
    // a client library retries the very message it sent: same messageId, same timestamp
    const message = { userId: 'user-1', event: 'Paid', messageId: 'msg-retry-1', timestamp: '2024-02-01T10:00:00.000Z' }
    expect((await segment('/v1/track', message)).status).toBe(200)
    expect((await segment('/v1/track', message)).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
    expect(sim.requests().map((r) => r.replayed ?? false)).toEqual([false, true])
  })

  it('a lost answer (connection dropped after FullStory stored it) fails as retryable; the retry is a replay', async () => {
    sim.faults.queue('drop-after')
    const message = { userId: 'user-1', traits: { plan: 'pro' }, messageId: 'msg-retry-2' }
    const first = await segment('/v1/identify', message)
    expect(first.status).toBe(503)
    expect(first.json.error.code).toBe('RETRYABLE_ERROR')
    const retry = await segment('/v1/identify', message)
    expect(retry.status).toBe(200)
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'user-1', upserts: 1 })])
    expect(sim.requests().map((r) => [r.status, r.replayed ?? false])).toEqual([
      ['dropped', false],
      [200, true]
    ])
  })
})

describe('faults reach the caller as the destination maps them', () => {
  it('429 with Retry-After: a retryable 429 that quotes the wait; nothing stored; the next call goes through', async () => {
    sim.faults.queue('429;retry-after=7')
    const limited = await segment('/v1/track', { userId: 'user-1', event: 'E', messageId: 'm-429' })
    expect(limited.status).toBe(429)
    expect(limited.json.error).toEqual({ code: 'RETRYABLE_ERROR', message: expect.stringContaining('after 7 seconds') })
    expect(sim.events()).toEqual([])
    expect((await segment('/v1/track', { userId: 'user-1', event: 'E', messageId: 'm-429' })).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it("500: a retryable 500 naming FullStory's code", async () => {
    sim.faults.queue('500')
    const reply = await segment('/v1/identify', { userId: 'user-1' })
    expect(reply.status).toBe(500)
    expect(reply.json.error.message).toContain('server_error')
  })

  it('a dropped connection: a retryable 503', async () => {
    sim.faults.queue('drop')
    const reply = await segment('/v1/identify', { userId: 'user-1' })
    expect(reply.status).toBe(503)
    expect(sim.users()).toEqual([])
  })

  it('latency beyond the request timeout: a retryable 408; within it, delivered', async () => {
    const previous = process.env.FULLSTORY_TIMEOUT_MS
    process.env.FULLSTORY_TIMEOUT_MS = '500'
    try {
      sim.faults.queue('latency=3000')
      const slow = await segment('/v1/track', { userId: 'user-1', event: 'Slow' })
      expect(slow.status).toBe(408)
      sim.faults.queue('latency=10')
      const quick = await segment('/v1/track', { userId: 'user-1', event: 'Quick' })
      expect(quick.status).toBe(200)
    } finally {
      if (previous === undefined) delete process.env.FULLSTORY_TIMEOUT_MS
      else process.env.FULLSTORY_TIMEOUT_MS = previous
    }
  })
})

describe('bin/run serve routes', () => {
  it('POST /identifyUser runs perform with the default mapping', async () => {
    const reply = await call(server.url, 'POST', '/identifyUser', {
      body: {
        payload: { type: 'identify', userId: 'u-9', traits: { name: 'Nine' } },
        settings: { apiKey: DEV_API_KEY }
      }
    })
    expect(reply.status).toBe(200)
    expect(reply.json.results.at(-1)).toEqual({ output: 'Action Executed', data: { id: expect.any(String) } })
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'u-9', display_name: 'Nine' })])
    expect(logLines).toEqual([expect.stringMatching(/^POST \/identifyUser identifyUser 200 \d+ms$/)])
  })

  it('a mapping laid over the defaults', async () => {
    await call(server.url, 'POST', '/trackEvent', {
      body: {
        payload: { userId: 'u-9', event: 'ignored', properties: { n: 1 } },
        settings: {},
        mapping: { name: 'Mapped' }
      }
    })
    expect(sim.events().map((e) => e.name)).toEqual(['Mapped'])
  })

  it('an array payload goes to executeBatch (performBatch)', async () => {
    const reply = await call(server.url, 'POST', '/trackEvent', {
      body: {
        payload: [
          { userId: 'u-9', event: 'A' },
          { userId: 'u-9', event: 'B' }
        ],
        settings: {}
      }
    })
    expect(reply.status).toBe(200)
    expect(reply.json.multistatus).toHaveLength(2)
    expect(reply.json.multistatus.map((entry: { status: number }) => entry.status)).toEqual([200, 200])
    // One batch import job holding both rows, not one request per event.
    expect(sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /v2/events/batch 200'])
    expect(sim.events().map((e) => e.name)).toEqual(['A', 'B'])
  })

  it('POST /authentication checks the key with GET /me', async () => {
    const good = await call(server.url, 'POST', '/authentication', { body: { settings: { apiKey: DEV_API_KEY } } })
    const bad = await call(server.url, 'POST', '/authentication', { body: { settings: { apiKey: 'not-the-key' } } })
    expect(good.json).toEqual({ ok: true })
    expect(bad.status).toBe(401)
    expect(bad.json.error.message).toContain('rejected the API key')
    expect(bad.json.error.message).not.toContain('not-the-key')
    expect(sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /me 200', 'GET /me 401'])
  })

  it('POST /delete runs onDelete (DELETE /v2/users?uid=)', async () => {
    await segment('/v1/identify', { userId: 'gone' })
    const reply = await call(server.url, 'POST', '/delete', { body: { payload: { userId: 'gone' }, settings: {} } })
    expect(reply.status).toBe(200)
    expect(sim.users()).toEqual([])
  })

  it('a destination error keeps its status and message (PayloadValidationError 400)', async () => {
    const reply = await call(server.url, 'POST', '/trackEvent', {
      body: { payload: { anonymousId: 'a-1', event: 'No User' }, settings: {} }
    })
    expect(reply.status).toBe(400)
    expect(reply.json.error.message).toMatch(/User ID/)
    expect(sim.requests()).toEqual([])
  })
})
