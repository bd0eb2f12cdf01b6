import { DEV_API_KEY } from '../constants'
import { startServer, type RunningServer } from '../server'
import { startSimulator, type Simulator } from '../simulator'
import { call } from './helpers'

// End to end: Segment HTTP tracking calls and the CLI's `serve` calls into the local server,
// through the destination (presets, mappings, actions, src/api/), into the FullStory simulator.

let sim: Simulator
let server: RunningServer
let logLines: string[]

beforeAll(async () => {
  sim = await startSimulator({ keys: { [DEV_API_KEY]: 'ADMIN' } })
  server = await startServer({
    port: 0,
    fullstoryUrl: sim.url,
    log: (line) => logLines.push(line),
    retry: { attempts: 1 }
  })
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
      traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' }
    })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({
      success: true,
      messageId: 'msg-identify-1',
      outcome: 'delivered',
      deliveries: [{ action: 'identifyUser', status: 200 }]
    })
    expect(sim.users()).toEqual([
      expect.objectContaining({
        uid: 'user-1',
        display_name: 'Ada Lovelace',
        email: 'ada@example.com',
        properties: expect.objectContaining({ plan: 'pro' }),
        upserts: 1
      })
    ])
    expect(sim.requests()).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v2/users',
        idempotencyKey: expect.stringMatching(/^msg-identify-1/)
      })
    ])
    expect(logLines).toEqual([
      expect.stringMatching(/^POST \/v1\/identify identifyUser 200 \d+ms$/),
      expect.stringMatching(/^POST \/v1\/identify 200 \d+ms delivered$/)
    ])
  })

  it('track arrives as a FullStory event on the user, with properties, its timestamp and context', async () => {
    const reply = await segment('/v1/track', {
      userId: 'user-1',
      event: 'Order Completed',
      messageId: 'msg-track-1',
      timestamp: '2024-01-31T13:00:00+01:00',
      properties: { total: 42.5, 'coupon code': 'SPRING' },
      context
    })
    expect(reply.status).toBe(200)
    expect(sim.events()).toEqual([
      expect.objectContaining({
        name: 'Order Completed',
        timestamp: '2024-01-31T12:00:00.000Z',
        user: expect.objectContaining({ uid: 'user-1' }),
        properties: { total: 42.5, couponcode: 'SPRING' },
        context: expect.objectContaining({
          browser: expect.objectContaining({ url: context.page.url, user_agent: context.userAgent }),
          location: expect.objectContaining({ country: 'US', region: 'US-CA', ip_address: '203.0.113.7' })
        })
      })
    ])
    expect(sim.requests()[0].idempotencyKey).toMatch(/^msg-track-1/)
  })

  it('a type no preset subscribes to (screen) is accepted and delivered nowhere', async () => {
    const reply = await segment('/v1/screen', { userId: 'user-1', name: 'Main' })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual(expect.objectContaining({ success: true, outcome: 'not subscribed', deliveries: [] }))
    expect(sim.requests()).toEqual([])
    expect(logLines[0]).toMatch(/^POST \/v1\/screen - 200 0ms not subscribed$/)
  })

  it('a /v1/batch arrives in order, each message on its own, with the batch context merged in', async () => {
    const reply = await segment('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'u-2', traits: { email: 'b@example.com' } },
        { type: 'track', userId: 'u-2', event: 'Signed Up', properties: { source: 'ad' } },
        { type: 'screen', userId: 'u-2', name: 'Main' },
        { type: 'track', userId: 'u-3', event: 'Invited' }
      ],
      context: { ip: '198.51.100.1' }
    })
    expect(reply.status).toBe(200)
    expect(reply.json.success).toBe(true)
    expect(reply.json.results.map((r: any) => r.outcome)).toEqual([
      'delivered',
      'delivered',
      'not subscribed',
      'delivered'
    ])
    expect(sim.users().map((u) => [u.uid, u.email])).toEqual([
      ['u-2', 'b@example.com'],
      ['u-3', undefined]
    ])
    expect(sim.events().map((e) => [e.name, e.user?.uid, e.context?.location])).toEqual([
      ['Signed Up', 'u-2', { ip_address: '198.51.100.1' }],
      ['Invited', 'u-3', { ip_address: '198.51.100.1' }]
    ])
    expect(logLines).toHaveLength(5)
    expect(logLines[4]).toMatch(/^POST \/v1\/batch 200 \d+ms 3 delivered, 1 not subscribed$/)
  })

  it('messageId, receivedAt and timestamp are filled when absent, as Segment does', async () => {
    const before = Date.now()
    const reply = await segment('/v1/track', { userId: 'user-1', event: 'Clicked' })
    expect(reply.json.messageId).toMatch(/^api-[0-9a-f-]{36}$/)
    expect(sim.requests()[0].idempotencyKey?.startsWith(reply.json.messageId)).toBe(true)
    const at = Date.parse(sim.events()[0].timestamp)
    expect(at).toBeGreaterThanOrEqual(before - 1000)
    expect(at).toBeLessThanOrEqual(Date.now() + 1000)
  })

  it("without a timestamp, the client's clock skew is taken out: receivedAt - (sentAt - originalTimestamp)", async () => {
    // the client's clock runs 10 minutes fast; the event happened 3 seconds before it was sent
    const skew = 10 * 60 * 1000
    const sentAt = new Date(Date.now() + skew)
    const originalTimestamp = new Date(sentAt.getTime() - 3000)
    const before = Date.now()
    await segment('/v1/batch', {
      batch: [{ type: 'track', userId: 'u', event: 'Skewed', originalTimestamp: originalTimestamp.toISOString() }],
      sentAt: sentAt.toISOString()
    })
    const after = Date.now()
    const at = Date.parse(sim.events()[0].timestamp)
    expect(at).toBeGreaterThanOrEqual(before - 3000)
    expect(at).toBeLessThanOrEqual(after - 3000)
  })
})

describe('integrations: the message decides which destinations get it', () => {
  const names = ['FullStory Cloud Mode (Actions)', 'Fullstory Cloud Mode (Actions)', 'actions-fullstory-cloud']

  const cases: [integrations: Record<string, boolean>, outcome: string][] = [
    [{ All: false }, 'integrations off'],
    ...names.map((name): [Record<string, boolean>, string] => [{ [name]: false }, 'integrations off']),
    ...names.map((name): [Record<string, boolean>, string] => [{ All: false, [name]: true }, 'delivered']),
    [{ All: false, 'fullstory cloud mode (actions)': true }, 'integrations off'],
    [{ Mixpanel: false }, 'delivered'],
    [{ All: true }, 'delivered']
  ]

  it.each(cases)('%j: %s', async (integrations, outcome) => {
    const reply = await segment('/v1/track', { userId: 'u', event: 'Flagged', integrations })
    expect(reply.status).toBe(200)
    expect(reply.json.outcome).toBe(outcome)
    expect(sim.events()).toHaveLength(outcome === 'delivered' ? 1 : 0)
  })

  it("a batch's integrations apply to each message; a message's own override them", async () => {
    const reply = await segment('/v1/batch', {
      integrations: { All: false },
      batch: [
        { type: 'track', userId: 'u', event: 'Off' },
        { type: 'track', userId: 'u', event: 'On', integrations: { 'Fullstory Cloud Mode (Actions)': true } }
      ]
    })
    expect(reply.json.results.map((r: any) => r.outcome)).toEqual(['integrations off', 'delivered'])
    expect(sim.events().map((e) => e.name)).toEqual(['On'])
  })
})

describe('faults the server does not retry (retry attempts 1) reach the client with a status it retries', () => {
  it('429 from FullStory: 429 with its Retry-After as a header; nothing stored; the resend goes through', async () => {
    sim.faults.queue('429;retry-after=7')
    const limited = await segment('/v1/track', { userId: 'user-1', event: 'E', messageId: 'm-429' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(limited.json).toEqual(
      expect.objectContaining({
        success: false,
        outcome: 'retry',
        error: { code: 'RETRYABLE_ERROR', message: expect.stringContaining('after 7 seconds') }
      })
    )
    expect(sim.events()).toEqual([])
    expect((await segment('/v1/track', { userId: 'user-1', event: 'E', messageId: 'm-429' })).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it.each([
    ['500', 500],
    ['503', 503],
    ['drop', 503]
  ])('%s: answered %d with Retry-After', async (fault, status) => {
    sim.faults.queue(fault)
    const reply = await segment('/v1/identify', { userId: 'user-1' })
    expect(reply.status).toBe(status)
    expect(reply.headers.get('retry-after')).toBe('1')
    expect(reply.json.outcome).toBe('retry')
    expect(sim.users()).toEqual([])
  })

  it('latency beyond the request timeout: 408; within it, delivered', async () => {
    const previous = process.env.FULLSTORY_TIMEOUT_MS
    process.env.FULLSTORY_TIMEOUT_MS = '300'
    try {
      sim.faults.queue('latency=1500')
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

  it('a refusal for good (FullStory 400) is answered with its status, without Retry-After', async () => {
    sim.faults.queue('400;code=invalid_argument')
    const reply = await segment('/v1/track', { userId: 'user-1', event: 'Refused' })
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual(
      expect.objectContaining({
        success: false,
        outcome: 'failed',
        error: expect.objectContaining({ code: 'invalid_argument' })
      })
    )
    expect(reply.headers.get('retry-after')).toBeNull()
    expect(sim.requests()).toHaveLength(1)
  })
})

describe("the CLI's serve routes, with its request and answer shapes", () => {
  it('GET /manifest: the definition as JSON with directoryName', async () => {
    const reply = await call(server.url, 'GET', '/manifest')
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual(
      expect.objectContaining({
        name: 'FullStory Cloud Mode (Actions)',
        slug: 'actions-fullstory-cloud',
        mode: 'cloud',
        directoryName: 'fullstory',
        authentication: expect.objectContaining({ scheme: 'custom', fields: { apiKey: expect.any(Object) } }),
        actions: expect.objectContaining({ identifyUser: expect.any(Object), trackEvent: expect.any(Object) })
      })
    )
  })

  it('POST /authenticate with the settings as the body: {ok: true}, or 200 {ok: false, error, fields}', async () => {
    const good = await call(server.url, 'POST', '/authenticate', { body: { apiKey: DEV_API_KEY } })
    const bad = await call(server.url, 'POST', '/authenticate', { body: { apiKey: 'not-the-right-key' } })
    const missing = await call(server.url, 'POST', '/authenticate', { body: {} })
    expect(good).toEqual(expect.objectContaining({ status: 200, json: { ok: true } }))
    expect(bad.status).toBe(200)
    expect(bad.json).toEqual({ ok: false, error: expect.stringContaining('rejected the API key'), fields: {} })
    expect(bad.text).not.toContain('not-the-right-key')
    expect(missing.json).toEqual({
      ok: false,
      error: expect.stringContaining('apiKey'),
      // the CLI's own naming: a field missing at the root is reported under "$"
      fields: { $: "The root value is missing the required field 'apiKey'." }
    })
    expect(sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /me 200', 'GET /me 401'])
  })

  it('POST /<actionKey> runs perform with the default mapping; 200 with the exchanges, the key redacted', async () => {
    const reply = await call(server.url, 'POST', '/identifyUser', {
      body: {
        payload: { type: 'identify', userId: 'u-9', messageId: 'm-9', traits: { name: 'Nine' } },
        settings: { apiKey: DEV_API_KEY }
      }
    })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual([
      {
        request: {
          url: `${sim.url}/v2/users`,
          method: 'POST',
          headers: expect.objectContaining({ authorization: '<redacted>', 'content-type': 'application/json' }),
          body: expect.stringContaining('"uid":"u-9"')
        },
        response: {
          statusCode: 200,
          statusMessage: 'OK',
          headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8' }),
          body: { id: expect.any(String) }
        }
      }
    ])
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'u-9', display_name: 'Nine' })])
    expect(logLines).toEqual([expect.stringMatching(/^POST \/identifyUser 200 \d+ms$/)])
  })

  it('a mapping laid over the defaults; settings.apiKey may be left out (the server key is used)', async () => {
    await call(server.url, 'POST', '/trackEvent', {
      body: {
        payload: { userId: 'u-9', event: 'ignored', properties: { n: 1 } },
        settings: {},
        mapping: { name: 'Mapped' }
      }
    })
    expect(sim.events().map((e) => e.name)).toEqual(['Mapped'])
  })

  it('an array payload goes to executeBatch (performBatch): one batch import job', async () => {
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
    expect(reply.json.map((exchange: any) => `${exchange.request.method} ${exchange.response.statusCode}`)).toEqual([
      'POST 200'
    ])
    // The job's body is sent as UTF-8 bytes; the exchange shows it as the JSON text it is.
    const sent = JSON.parse(reply.json[0].request.body) as { requests: { name: string }[] }
    expect(sent.requests.map((row) => row.name)).toEqual(['A', 'B'])
    expect(sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /v2/events/batch 200'])
    expect(sim.events().map((e) => e.name)).toEqual(['A', 'B'])
    expect(logLines).toEqual([expect.stringMatching(/^POST \/trackEvent 200 \d+ms batch of 2: 200 200$/)])
  })

  it('a failure is 200 [{statusCode, message, requestError}] without a stack', async () => {
    const reply = await call(server.url, 'POST', '/trackEvent', {
      body: { payload: { anonymousId: 'a-1', event: 'No User' }, settings: {} }
    })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual([{ statusCode: 400, message: expect.stringMatching(/User ID/), requestError: true }])
    expect(sim.requests()).toEqual([])
  })

  it('a payload validation failure names the field', async () => {
    const reply = await call(server.url, 'POST', '/trackEvent', {
      body: { payload: { userId: 'u', event: 'E' }, settings: {}, mapping: { name: { not: 'a string' } } }
    })
    expect(reply.json).toEqual([
      {
        statusCode: 400,
        message: expect.stringMatching(/must be a string but it was an object/),
        fields: { name: expect.stringMatching(/must be a string but it was an object/) },
        requestError: true
      }
    ])
  })

  it('POST /delete runs onDelete (DELETE /v2/users?uid=) and answers the exchange', async () => {
    await segment('/v1/identify', { userId: 'gone' })
    const reply = await call(server.url, 'POST', '/delete', { body: { payload: { userId: 'gone' }, settings: {} } })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({ method: 'DELETE', url: `${sim.url}/v2/users?uid=gone` }),
        response: expect.objectContaining({ statusCode: expect.any(Number) })
      })
    ])
    expect(sim.users()).toEqual([])
  })

  it('POST /refreshAccessToken: 400 {ok: false, error}, as for every destination without OAuth', async () => {
    const reply = await call(server.url, 'POST', '/refreshAccessToken', { body: {} })
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({ ok: false, error: expect.stringContaining('oauth2') })
  })
})
