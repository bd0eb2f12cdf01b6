import { request } from 'http'
import { connect } from 'net'
import { deflateSync, gzipSync } from 'zlib'
import definition from '../../src'
import { SECRET_PIECE_LENGTH } from '../../src/api/redact'
import { DEV_API_KEY } from '../constants'
import { SEGMENT_APP_ORIGINS, startServer } from '../server'
import type { RunningServer } from '../server'
import { startSimulator } from '../simulator'
import type { Simulator } from '../simulator'
import { basic, call } from './helpers'
import type { Init } from './helpers'

// The local server end to end: Segment tracking calls and the CLI's `serve` calls, through the
// destination into the simulator; its answers to bad input, its guards, its log; the simulator's
// routes through it. One attempt per delivery (the server's retries: test/e2e/server-segment-client).

const SECRET = 'na1.e2e-secret-api-key-5f3a9c0d71'
let sim: Simulator
let server: RunningServer
let quick: RunningServer
let lines: string[] = []
beforeAll(async () => {
  sim = await startSimulator({ keys: { [SECRET]: 'ADMIN' } })
  const log = (line: string) => lines.push(line)
  server = await startServer({
    port: 0,
    fullstoryUrl: sim.url,
    apiKey: SECRET,
    log,
    retry: { attempts: 1 },
    bodyTimeoutMs: 300
  })
  // gives up on FullStory's answer after 50 ms
  quick = await startServer({
    port: 0,
    fullstoryUrl: sim.url,
    apiKey: SECRET,
    log,
    retry: { attempts: 1 },
    timeoutMs: 50
  })
})
afterAll(async () => {
  await quick.close()
  await server.close()
  await sim.close()
})
beforeEach(async () => {
  await until(() => sim.inFlight() === 0) // a request the destination gave up on, still running in the simulator
  sim.reset()
  lines = []
})

const W = basic('e2e-write-key')
const to = (method: string, path: string, init?: Init) => call(server.url, method, path, init)
const segment = (path: string, body: unknown, headers = W) => to('POST', path, { body, headers })
const post = (path: string, body: unknown) => to('POST', path, { body })
const track = { userId: 'u1', event: 'E' }
const json = { 'Content-Type': 'application/json' }
/** 24 KB of nesting: under Segment's 32 KB, past what actions-core's mapping recursion takes. */
const DEEP = `${'['.repeat(12_000)}${']'.repeat(12_000)}`
/** Every 8-character piece of `secret` that occurs in `text`. */
const pieces = (text: string, secret = SECRET) =>
  Array.from({ length: secret.length - SECRET_PIECE_LENGTH + 1 }, (_, i) =>
    secret.slice(i, i + SECRET_PIECE_LENGTH)
  ).filter((p) => text.includes(p))
/** Waits for `condition`, polling, at most 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !condition() && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 10))
}
/** Writes `text` on a raw connection; resolves with what came back once it closed (at most 5 s). */
function onSocket(text: string, host = '127.0.0.1', port = server.port): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.write(text))
    let received = ''
    socket.setEncoding('utf8').setTimeout(5000, () => socket.destroy())
    socket.on('data', (chunk: string) => (received += chunk) && /\r\n\r\n[^]*\}$/.test(received) && socket.end())
    socket.on('close', () => resolve(received)).on('error', () => resolve(received))
  })
}
/** One request with every header as given (Host and Origin included). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject).end(body)
  })
}

describe('Segment HTTP tracking routes', () => {
  it('identify arrives as a user, with the messageId in the Idempotency-Key; one log line per delivery and request', async () => {
    const traits = { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro', 'Plan Type': 'annual' }
    const reply = await segment('/v1/identify', { userId: 'user-1', anonymousId: 'a-1', messageId: 'msg-1', traits })
    const deliveries = [{ action: 'identifyUser', status: 200 }]
    expect(reply.json).toEqual({ success: true, messageId: 'msg-1', outcome: 'delivered', deliveries })
    // the Identify User preset names traits as the published destination did (camel case)
    const properties = {
      segmentAnonymousId: 'a-1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      plan: 'pro',
      planType: 'annual'
    }
    const user = { uid: 'user-1', display_name: 'Ada Lovelace', email: 'ada@example.com', properties, upserts: 1 }
    expect(sim.users()).toEqual([expect.objectContaining(user)])
    expect(sim.requests()).toEqual([
      expect.objectContaining({ path: '/v2/users', idempotencyKey: expect.stringMatching(/^msg-1:/) })
    ])
    expect(lines).toEqual([
      expect.stringMatching(/^POST \/v1\/identify identifyUser 200 \d+ms$/),
      expect.stringMatching(/^POST \/v1\/identify 200 \d+ms delivered$/)
    ])
  })

  it('track arrives as an event with its properties, timestamp and context; read as JSON whatever its Content-Type', async () => {
    const context = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', page: { url: 'https://shop.example.com/pricing' } }
    const message = {
      ...track,
      timestamp: '2024-01-31T13:00:00+01:00',
      properties: { total: 42.5, 'coupon code': 'S' },
      context
    }
    expect((await segment('/v1/track', message)).status).toBe(200)
    // the preset's Context maps the page and user agent, not the IP address (docs/rules.md#context)
    const stored = {
      seq: 1,
      name: 'E',
      timestamp: '2024-01-31T12:00:00.000Z',
      properties: { total: 42.5, couponcode: 'S' },
      context: { browser: { url: context.page.url, user_agent: 'Mozilla/5.0' } },
      user: { id: expect.any(String), uid: 'u1' },
      session: { use_most_recent: true },
      received: expect.any(String),
      source: 'api'
    }
    expect(sim.events()).toEqual([stored])
    for (const type of [{}, { 'Content-Type': 'text/plain' }] as Record<string, string>[]) {
      const reply = await to('POST', '/v1/track', { raw: JSON.stringify(track), headers: { ...W, ...type } })
      expect(reply.status).toBe(200)
    }
    expect(sim.events()).toHaveLength(3)
  })

  it('a type no preset takes (screen) is answered and delivered nowhere', async () => {
    const reply = await segment('/v1/screen', { userId: 'u1', name: 'Main' })
    expect(reply.json).toEqual(expect.objectContaining({ success: true, outcome: 'not subscribed', deliveries: [] }))
    expect([sim.requests(), lines[0]]).toEqual([
      [],
      expect.stringMatching(/^POST \/v1\/screen - 200 0ms not subscribed$/)
    ])
  })

  it('a /v1/batch arrives in order, with the batch context merged in; a bad message is dropped alone, naming why', async () => {
    const batch = [
      { type: 'identify', userId: 'u-2', traits: { email: 'b@example.com' } },
      { type: 'track', userId: 'u-2', event: 'Signed Up' },
      { type: 'screen', userId: 'u-2', name: 'Main' },
      { type: 'purchase', userId: 'u-2', messageId: 'bad-type' },
      { type: 'track', userId: 'u1' },
      { type: 'track', userId: 'u1', event: 'E', properties: { s: 'x'.repeat(33 * 1024) } },
      'not an object',
      { type: 'track', userId: 'u-3', event: 'Invited' }
    ]
    const reply = await segment('/v1/batch', { batch, context: { ip: '198.51.100.1', userAgent: 'Batch/1.0' } })
    expect([reply.status, reply.json.success]).toEqual([200, true])
    expect(reply.json.results.map((r: any) => [r.outcome, r.error?.code])).toEqual([
      ['delivered', undefined],
      ['delivered', undefined],
      ['not subscribed', undefined],
      ['dropped', 'invalid_message'],
      ['dropped', 'invalid_message'],
      ['dropped', 'message_too_large'],
      ['dropped', 'invalid_message'],
      ['delivered', undefined]
    ])
    expect(reply.json.results[3]).toMatchObject({
      messageId: 'bad-type',
      error: { message: expect.stringContaining('"type"') }
    })
    expect(sim.users().map((u) => [u.uid, u.email])).toEqual([
      ['u-2', 'b@example.com'],
      ['u-3', undefined]
    ])
    // the batch's context reached each message: its user agent is sent, its IP address is not (the
    // preset's Context does not map it)
    const context = { browser: { user_agent: 'Batch/1.0' } }
    expect(sim.events().map((e) => [e.name, e.context])).toEqual([
      ['Signed Up', context],
      ['Invited', context]
    ])
    expect(lines.at(-1)).toMatch(/^POST \/v1\/batch 200 \d+ms 3 delivered, 1 not subscribed, 4 dropped$/)
  })

  it('an event nested deeper than actions-core can map is dropped alone from a batch; the others are delivered', async () => {
    const deep = `{"type":"track","userId":"u1","event":"Deep","properties":{"a":${DEEP}}}`
    const batch = `{"batch":[{"type":"track","userId":"u1","event":"A"},${deep},{"type":"track","userId":"u1","event":"B"}]}`
    const reply = await to('POST', '/v1/batch', { raw: batch, headers: W })
    const outcomes = ['delivered', 'too_deeply_nested', 'delivered']
    expect(reply.json.results.map((r: any) => r.error?.code ?? r.outcome)).toEqual(outcomes)
    expect(sim.events().map((e) => e.name)).toEqual(['A', 'B'])
    expect((await to('POST', '/v1/track', { raw: deep, headers: W })).failure).toBe('400 too_deeply_nested')
  })

  it('messageId and timestamp are filled when absent; without a timestamp the clock skew is taken out', async () => {
    const before = Date.now()
    const reply = await segment('/v1/track', track)
    expect(reply.json.messageId).toMatch(/^api-[0-9a-f-]{36}$/)
    expect(sim.requests()[0].idempotencyKey?.startsWith(reply.json.messageId)).toBe(true)
    expect(Date.parse(sim.events()[0].timestamp)).toBeGreaterThanOrEqual(before - 1000)
    // the client's clock runs 10 minutes fast; the event happened 3 seconds before it was sent
    const sentAt = new Date(Date.now() + 600_000)
    const originalTimestamp = new Date(sentAt.getTime() - 3000).toISOString()
    const sent = Date.now()
    await segment('/v1/batch', {
      batch: [{ ...track, type: 'track', originalTimestamp }],
      sentAt: sentAt.toISOString()
    })
    const at = Date.parse(sim.events()[1].timestamp)
    expect(at >= sent - 3000 && at <= Date.now() - 3000).toBe(true)
  })

  const names = ['FullStory Cloud Mode (Actions)', 'Fullstory Cloud Mode (Actions)', 'actions-fullstory-cloud']
  it.each([
    [{ All: false }, 'integrations off'],
    ...names.map((name) => [{ [name]: false }, 'integrations off']),
    ...names.map((name) => [{ All: false, [name]: true }, 'delivered']),
    [{ All: false, 'fullstory cloud mode (actions)': true }, 'integrations off'],
    [{ Mixpanel: false }, 'delivered'],
    [{ All: true }, 'delivered']
  ])('integrations %j: %s', async (integrations, outcome) => {
    expect((await segment('/v1/track', { ...track, integrations })).json.outcome).toBe(outcome)
    expect(sim.events()).toHaveLength(outcome === 'delivered' ? 1 : 0)
  })

  it("a batch's integrations apply to each message; a message's own override them", async () => {
    const on = { 'Fullstory Cloud Mode (Actions)': true }
    const batch = [
      { ...track, type: 'track', event: 'Off' },
      { ...track, type: 'track', event: 'On', integrations: on }
    ]
    const reply = await segment('/v1/batch', { integrations: { All: false }, batch })
    expect(reply.json.results.map((r: any) => r.outcome)).toEqual(['integrations off', 'delivered'])
    expect(sim.events().map((e) => e.name)).toEqual(['On'])
  })
})

describe('FullStory failures, not retried by this server, reach the client with a status it retries', () => {
  it('429: 429 with its Retry-After; nothing stored; the resend goes through', async () => {
    sim.faults.queue('429;retry-after=7')
    const limited = await segment('/v1/track', { ...track, messageId: 'm-429' })
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7'])
    const error = { code: 'RETRYABLE_ERROR', message: expect.stringContaining('after 7 seconds') }
    expect(limited.json).toEqual(expect.objectContaining({ success: false, outcome: 'retry', error }))
    expect(sim.events()).toEqual([])
    expect((await segment('/v1/track', { ...track, messageId: 'm-429' })).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it.each([
    ['500', 500],
    ['503', 503],
    ['drop', 503],
    ['latency=150', 408]
  ])('%s: %d with Retry-After', async (fault, status) => {
    sim.faults.queue(fault)
    const reply = await call((status === 408 ? quick : server).url, 'POST', '/v1/identify', {
      body: { userId: 'u1' },
      headers: W
    })
    expect([reply.status, reply.headers.get('retry-after'), reply.json.outcome]).toEqual([status, '1', 'retry'])
  })

  it('a refusal for good (FullStory 400) is answered with its status, without Retry-After', async () => {
    sim.faults.queue('400;code=invalid_argument')
    const reply = await segment('/v1/track', track)
    const error = expect.objectContaining({ code: 'invalid_argument' })
    expect(reply.json).toEqual(expect.objectContaining({ success: false, outcome: 'failed', error }))
    expect([reply.status, reply.headers.get('retry-after'), sim.requests().length]).toEqual([400, null, 1])
  })
})

describe("the CLI's serve routes", () => {
  it('GET /manifest: the definition as JSON with directoryName', async () => {
    const actions = expect.objectContaining({ identifyUser: expect.any(Object), trackEvent: expect.any(Object) })
    const manifest = {
      name: definition.name,
      slug: 'actions-fullstory-cloud',
      mode: 'cloud',
      directoryName: 'fullstory',
      actions
    }
    expect((await to('GET', '/manifest')).json).toEqual(expect.objectContaining(manifest))
  })

  it('POST /authenticate with the settings as the body: {ok: true}, or {ok: false, error, fields}', async () => {
    expect((await post('/authenticate', { apiKey: SECRET })).json).toEqual({ ok: true })
    const bad = await post('/authenticate', { apiKey: 'not-the-right-key' })
    expect([bad.status, bad.json]).toEqual([
      200,
      { ok: false, error: expect.stringContaining('rejected the API key'), fields: {} }
    ])
    expect(bad.text).not.toContain('not-the-right-key')
    const fields = { $: "The root value is missing the required field 'apiKey'." }
    expect((await post('/authenticate', {})).json).toEqual({
      ok: false,
      error: expect.stringContaining('apiKey'),
      fields
    })
    expect(sim.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /me 200', 'GET /me 401'])
  })

  it('POST /<actionKey> runs perform with the default mapping: 200 with the exchanges, the key redacted', async () => {
    const payload = { type: 'identify', userId: 'u-9', traits: { name: 'Nine' } }
    const reply = await post('/identifyUser', { payload, settings: { apiKey: SECRET } })
    const headers = expect.objectContaining({ authorization: '<redacted>', 'content-type': 'application/json' })
    const response = {
      statusCode: 200,
      statusMessage: 'OK',
      headers: expect.any(Object),
      body: { id: expect.any(String) }
    }
    const sent = { url: `${sim.url}/v2/users`, method: 'POST', headers, body: expect.stringContaining('"uid":"u-9"') }
    expect(reply.json).toEqual([{ request: sent, response }])
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'u-9', display_name: 'Nine' })])
    expect(lines).toEqual([expect.stringMatching(/^POST \/identifyUser 200 \d+ms$/)])
  })

  it('a mapping is laid over the defaults; settings.apiKey may be left out (the server key is used)', async () => {
    await post('/trackEvent', {
      payload: { userId: 'u-9', event: 'ignored' },
      settings: {},
      mapping: { name: 'Mapped' }
    })
    expect(sim.events().map((e) => e.name)).toEqual(['Mapped'])
  })

  it('an array payload runs executeBatch: one batch import job, its outcome logged; a too-deep element gets its own 400', async () => {
    const [a, b] = ['{"userId":"u-9","event":"A"}', '{"userId":"u-9","event":"B"}']
    const payload = `[${a},{"userId":"u-9","event":"Deep","properties":{"a":${DEEP}}},${b}]`
    const reply = await to('POST', '/trackEvent', { raw: `{"settings":{},"payload":${payload}}`, headers: json })
    const refused = {
      statusCode: 400,
      message: 'payload[1] nests arrays and objects more than 1000 deep.',
      requestError: true
    }
    // the job's creation, then its follow-up (the simulator reports the job COMPLETED at the first poll)
    expect(reply.json.map((item: any) => item.response?.statusCode ?? item)).toEqual([200, 200, refused])
    expect(JSON.parse(reply.json[0].request.body).requests.map((row: any) => row.name)).toEqual(['A', 'B'])
    expect(sim.events().map((e) => e.name)).toEqual(['A', 'B'])
    const [job] = sim.jobs()
    expect(reply.json.slice(0, 2).map((item: any) => [item.request.method, item.request.url])).toEqual([
      ['POST', `${sim.url}/v2/events/batch`],
      ['GET', `${sim.url}/v2/events/batch/${job.id}`]
    ])
    expect(reply.json[1].response.body).toEqual({
      imports: 2,
      errors: 0,
      job: { id: job.id, status: 'COMPLETED', created: expect.any(String), finished: expect.any(String) }
    })
    expect(lines).toEqual([
      `POST /trackEvent job ${job.id} COMPLETED: 2 accepted, 0 refused, 0 pending`,
      expect.stringMatching(/^POST \/trackEvent 200 \d+ms batch of 3: 200 400 200$/)
    ])
  })

  it('a Track Event V2 batch row without a User ID is imported under a new anonymous user, and the log counts it accepted', async () => {
    const payload = [
      { userId: 'u-9', event: 'Known' },
      { anonymousId: 'a-9', event: 'Anonymous' }
    ]
    const reply = await post('/trackEventV2', { payload, settings: {}, mapping: { enable_batching: true } })
    const [job] = sim.jobs()
    expect(reply.json.map((item: any) => [item.request.method, item.request.url, item.response.statusCode])).toEqual([
      ['POST', `${sim.url}/v2/events/batch`, 200],
      ['GET', `${sim.url}/v2/events/batch/${job.id}`, 200]
    ])
    // without a message key the rows go by their JSON text
    expect(JSON.parse(reply.json[0].request.body)).toEqual({
      requests: [{ name: 'Anonymous' }, { name: 'Known', user: { uid: 'u-9' }, session: { use_most_recent: true } }]
    })
    expect(sim.events().map((e) => [e.name, e.user?.uid, typeof e.user?.id])).toEqual([
      ['Anonymous', undefined, 'string'],
      ['Known', 'u-9', 'string']
    ])
    expect(lines).toEqual([
      `POST /trackEventV2 job ${job.id} COMPLETED: 2 accepted, 0 refused, 0 pending`,
      expect.stringMatching(/^POST \/trackEventV2 200 \d+ms batch of 2: 200 200$/)
    ])
  })

  it('failures are 200 [{statusCode, message, fields?, requestError}], without a stack; a bad mapping is a 400 that says why', async () => {
    const failure = async (body: unknown) => (await post('/trackEvent', body)).json
    const error = (message: RegExp | string, fields?: object) => [
      { statusCode: 400, message: expect.stringMatching(message), ...(fields && { fields }), requestError: true }
    ]
    // User ID is required when Session URL is empty: Segment's validation, as the CLI shows it (each
    // field error under its path, the last one kept)
    const noUser = `The root value is missing the required field 'userId'. The root value must match "then" schema.`
    expect(await failure({ payload: { anonymousId: 'a-1', event: 'No User' }, settings: {} })).toEqual([
      {
        statusCode: 400,
        message: noUser,
        fields: { $: 'The root value must match "then" schema.' },
        requestError: true
      }
    ])
    const notString = /must be a string but it was an object/
    expect(await failure({ payload: track, mapping: { name: { not: 'a string' } } })).toEqual(
      error(notString, { name: expect.stringMatching(notString) })
    )
    expect(await failure({ payload: track, mapping: { name: { '@foo': 'x' } } })).toEqual(
      error('/name has an invalid directive: @foo')
    )
    expect(await failure({ payload: track, mapping: { properties: { '@path': null } } })).toEqual(
      error('/properties/@path should be')
    )
    expect((await post('/trackEvent', { payload: track, mapping: 'x' })).failure).toBe('400 invalid_mapping')
    expect(sim.requests()).toEqual([])
  })

  it('POST /delete runs onDelete and answers the exchange; POST /refreshAccessToken is 400 {ok: false, error}', async () => {
    await segment('/v1/identify', { userId: 'gone' })
    const reply = await post('/delete', { payload: { userId: 'gone' }, settings: {} })
    const sent = expect.objectContaining({ method: 'DELETE', url: `${sim.url}/v2/users?uid=gone` })
    expect(reply.json).toEqual([
      expect.objectContaining({ request: sent, response: expect.objectContaining({ statusCode: 200 }) })
    ])
    expect(sim.users()).toEqual([])
    const refresh = await post('/refreshAccessToken', {})
    expect([refresh.status, refresh.json]).toEqual([400, { ok: false, error: expect.stringContaining('oauth2') }])
  })
})

describe('bad input: a 4xx {error: {code, message}} without a stack, nothing delivered, and the server keeps serving', () => {
  // more in test/e2e/server-load.test.ts, also mixed into concurrent traffic
  it.each([
    [
      'an unknown content encoding',
      '/v1/track',
      { raw: '{}', headers: { ...W, ...json, 'Content-Encoding': 'compress' } },
      '415 unsupported_encoding'
    ],
    ['an unknown action', '/sendEmail', { body: {} }, '404 not_found'],
    ['a prototype name as a route', '/constructor', { body: {} }, '404 not_found'],
    ['another prototype name', '/toString', { body: {} }, '404 not_found'],
    ['__proto__', '/__proto__', { body: {} }, '404 not_found'],
    [
      'a write key that is not base64',
      '/v1/track',
      { body: track, headers: { Authorization: 'Basic d2%%' } },
      '401 unauthorized'
    ],
    [
      'base64 without its padding',
      '/v1/track',
      { body: track, headers: { Authorization: 'Basic dw' } },
      '401 unauthorized'
    ],
    ['neither userId nor anonymousId', '/v1/identify', { body: { traits: {} }, headers: W }, '400 invalid_message'],
    [
      'a timestamp that is not a date',
      '/v1/track',
      { body: { ...track, timestamp: 'yesterday' }, headers: W },
      '400 invalid_message'
    ],
    [
      'properties that are not an object',
      '/v1/track',
      { body: { ...track, properties: 'x' }, headers: W },
      '400 invalid_message'
    ],
    ['a batch without batch', '/v1/batch', { body: { messages: [] }, headers: W }, '400 invalid_batch'],
    ['an unknown tracking route', '/v1/purchase', { body: track, headers: W }, '404 not_found'],
    ['GET on a POST route', '/v1/track', { headers: W }, '405 method_not_allowed']
  ])('%s: %s', async (_what, path, init: Init, failure) => {
    const reply = await to(init.body === undefined && init.raw === undefined ? 'GET' : 'POST', path, init)
    expect([reply.failure, typeof reply.json.error.message]).toEqual([failure, 'string'])
    expect(reply.text).not.toMatch(/\n\s+at |\/work\/|node_modules/)
    expect(sim.requests()).toEqual([])
    expect((await segment('/v1/track', track)).status).toBe(200)
  })

  it('405 says the method in Allow; a request target that is not a path is 400 (not 500)', async () => {
    expect((await to('GET', '/v1/batch')).headers.get('allow')).toBe('POST')
    const absolute = await onSocket(
      `GET http://localhost:${server.port}/simulator/events HTTP/1.1\r\nHost: localhost:${server.port}\r\n\r\n`
    )
    expect(absolute).toMatch(/^HTTP\/1\.1 400 [^]*"code":"not_a_path"/)
  })

  it("the Basic scheme in any case, or the body's writeKey", async () => {
    const encoded = Buffer.from('w:').toString('base64')
    for (const Authorization of [`basic ${encoded}`, `BASIC ${encoded}`, `Basic  ${encoded}`]) {
      expect([Authorization, (await segment('/v1/track', track, { Authorization })).status]).toEqual([
        Authorization,
        200
      ])
    }
    expect((await to('POST', '/v1/track', { body: { ...track, writeKey: 'w' } })).status).toBe(200)
  })

  it('a gzip or deflate body is read, its limit counting the inflated bytes; a broken one is 400', async () => {
    const zipped = (body: Buffer, encoding = 'gzip', path = '/v1/batch') =>
      to('POST', path, {
        raw: body,
        headers: { ...W, 'Content-Type': 'application/json', 'Content-Encoding': encoding }
      })
    expect(
      (await zipped(gzipSync(JSON.stringify({ batch: [{ ...track, type: 'track', event: 'Zipped' }] })))).status
    ).toBe(200)
    expect((await zipped(deflateSync(JSON.stringify(track)), 'deflate', '/v1/track')).status).toBe(200)
    const bomb = gzipSync(JSON.stringify({ ...track, properties: { s: 'x'.repeat(2 * 1024 * 1024) } }))
    expect(bomb.length).toBeLessThan(32 * 1024)
    expect((await zipped(bomb, 'gzip', '/v1/track')).failure).toBe('400 payload_too_large')
    expect((await zipped(Buffer.from('not gzip at all'), 'gzip', '/v1/track')).failure).toBe('400 unreadable_body')
    expect(sim.events().map((e) => e.name)).toEqual(['Zipped', 'E'])
  })

  it('log lines: one per request and delivery, no API key (nor a piece of it), settings or query string', async () => {
    await segment('/v1/track?writeKey=query-secret-write-key', track)
    await post('/trackEvent', { payload: track, settings: { apiKey: SECRET } })
    await post('/authenticate', { apiKey: 'wrong-key-in-settings' })
    await segment('/v1/track', { userId: 'u1' })
    await post(`/${SECRET}`, {})
    expect(lines).toEqual([
      expect.stringMatching(/^POST \/v1\/track trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/v1\/track 200 \d+ms delivered$/),
      expect.stringMatching(/^POST \/trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/authenticate 200 \d+ms ok: false$/),
      expect.stringMatching(/^POST \/v1\/track 400 \d+ms invalid_message$/),
      expect.stringMatching(/^POST \/\[redacted\] 404 \d+ms not_found$/)
    ])
    expect([pieces(lines.join('\n')), /query-secret|wrong-key-in/.test(lines.join('\n'))]).toEqual([[], false])
  })

  it('answers never show the API key or a piece of it, even when an error would quote it', async () => {
    const answers = [
      await post(`/${SECRET.slice(2, 20)}`, {}),
      await post('/authenticate', { apiKey: `${SECRET}-revoked` }),
      await post('/identifyUser', { payload: { userId: 'u' }, settings: {} })
    ]
    for (const answer of answers) expect(pieces(answer.text)).toEqual([])
  })
})

describe('who may talk to it', () => {
  const deleteBody = JSON.stringify({ payload: { userId: 'victim' }, settings: {} })

  it.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST'])('Host %s:<port> is answered', async (name) => {
    expect((await raw('GET', '/', { Host: `${name}:${server.port}` })).status).toBe(200)
  })

  it.each([
    'attacker.example:PORT',
    'attacker.example',
    'localhost:1',
    'localhost',
    'localhost.attacker.example:PORT',
    '192.168.1.20:PORT'
  ])('Host %s is refused 403 and nothing is deleted', async (host) => {
    const reply = await raw('POST', '/delete', { Host: host.replace('PORT', String(server.port)), ...json }, deleteBody)
    expect([reply.status, JSON.parse(reply.text).error.code, sim.requests()]).toEqual([403, 'forbidden_host', []])
  })

  it('HOST (the host option): it listens there and answers requests addressed to it', async () => {
    const other = await startServer({ port: 0, host: '127.0.0.2', fullstoryUrl: sim.url, log: () => undefined })
    try {
      expect([other.url, (await call(other.url, 'GET', '/')).status]).toEqual([`http://127.0.0.2:${other.port}`, 200])
      expect(
        await onSocket(`GET / HTTP/1.1\r\nHost: attacker.example:${other.port}\r\n\r\n`, '127.0.0.2', other.port)
      ).toMatch(/^HTTP\/1\.1 403 /)
      await expect(fetch(`http://127.0.0.1:${other.port}/`)).rejects.toThrow()
    } finally {
      await other.close()
    }
  })

  const preflight = (Origin: string) =>
    raw('OPTIONS', '/trackEvent', {
      Host: `localhost:${server.port}`,
      Origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type'
    })

  it.each(SEGMENT_APP_ORIGINS)('a preflight from %s is allowed (CORS)', async (origin) => {
    const reply = await preflight(origin)
    expect([reply.status, reply.headers['access-control-allow-origin']]).toEqual([204, origin])
    expect(reply.headers['access-control-allow-methods']).toContain('POST')
  })

  it.each(['https://attacker.example', 'null', 'https://app.segment.com.attacker.example', 'http://localhost:3000'])(
    'a preflight from %s is refused 403, without CORS headers',
    async (origin) => {
      const reply = await preflight(origin)
      expect([reply.status, reply.headers['access-control-allow-origin'], JSON.parse(reply.text).error.code]).toEqual([
        403,
        undefined,
        'forbidden_origin'
      ])
    }
  )

  it("a simple request from another page is refused too; Segment's app may call an action route and read the answer", async () => {
    const host = `localhost:${server.port}`
    const refused = await raw(
      'POST',
      '/delete',
      { Host: host, Origin: 'https://attacker.example', 'Content-Type': 'text/plain' },
      deleteBody
    )
    expect([refused.status, sim.requests()]).toEqual([403, []])
    const body = JSON.stringify({ payload: { userId: 'u', event: 'From The Tester' }, settings: {} })
    const allowed = await raw('POST', '/trackEvent', { Host: host, Origin: 'https://app.segment.com', ...json }, body)
    expect([allowed.status, allowed.headers['access-control-allow-origin']]).toEqual([200, 'https://app.segment.com'])
    expect(sim.events().map((e) => e.name)).toEqual(['From The Tester'])
  })
})

describe("the simulator's routes through the server", () => {
  it('faults (POST, DELETE), full sessions and reset reach the simulator; the read routes answer as the simulator does', async () => {
    expect((await post('/simulator/faults', { fault: '503', count: 1 })).json).toEqual({ queued: 1 })
    expect(sim.faults.pending()).toBe(1)
    await to('DELETE', '/simulator/faults')
    expect(sim.faults.pending()).toBe(0)
    expect((await post('/simulator/full-sessions', { id: '1:2' })).json).toEqual({ fullSessions: ['1:2'] })
    sim.fullSessions.clear()
    await segment('/v1/track', { ...track, event: 'Hello' })
    const [viaServer, direct] = [
      await to('GET', '/simulator/events?name=Hello'),
      await call(sim.url, 'GET', '/simulator/events?name=Hello')
    ]
    expect([viaServer.json.events, viaServer.text]).toEqual([[expect.objectContaining({ name: 'Hello' })], direct.text])
    expect((await post('/simulator/reset', {})).status).toBe(200)
    expect((await to('GET', '/simulator/requests')).json).toEqual({ requests: [], inFlight: 0 })
  })
})

describe('slow clients', () => {
  it('a body that stops arriving is answered 408 and logged as 408', async () => {
    const head = `POST /v1/track HTTP/1.1\r\nHost: localhost:${server.port}\r\nContent-Type: application/json\r\n`
    const answer = await onSocket(`${head}Content-Length: 100\r\nAuthorization: Basic dzo=\r\n\r\n{"userId":"u1",`)
    expect(answer).toMatch(/^HTTP\/1\.1 408 [^]*"code":"request_timeout"/)
    expect([lines, sim.requests()]).toEqual([
      [expect.stringMatching(/^POST \/v1\/track 408 \d+ms request_timeout$/)],
      []
    ])
  })

  it('a client that leaves before its answer is logged 499; the message is still delivered', async () => {
    sim.faults.queue('latency=300')
    const controller = new AbortController()
    const body = JSON.stringify({ ...track, event: 'Left' })
    const left = fetch(`${server.url}/v1/track`, { method: 'POST', body, headers: W, signal: controller.signal })
    await until(() => sim.inFlight() === 1) // the delivery is under way when the client leaves
    controller.abort()
    await expect(left).rejects.toThrow()
    await until(() => lines.some((line) => line.startsWith('POST /v1/track 499')) && sim.events().length > 0)
    expect(lines).toContainEqual(expect.stringMatching(/^POST \/v1\/track 499 \d+ms client closed the connection$/))
    expect(sim.events().map((e) => e.name)).toEqual(['Left'])
  })
})

describe('its set-up', () => {
  it('GET / lists every route there is, each answering something other than 404', async () => {
    const reply = await to('GET', '/')
    expect([reply.json.destination, Object.keys(reply.json.routes)]).toEqual([definition.name, server.routes])
    for (const route of server.routes) {
      const [method, path] = route.split(' ')
      const answer = await to(method, path, method === 'POST' ? { body: {} } : {})
      expect({ route, notFound: answer.status === 404 }).toEqual({ route, notFound: false })
    }
    const some = [
      'POST /v1/track',
      'POST /v1/batch',
      'GET /manifest',
      'POST /trackEvent',
      'POST /delete',
      'POST /simulator/faults'
    ]
    expect(server.routes).toEqual(expect.arrayContaining(some))
  })

  it('SEGMENT_WRITE_KEY (the writeKey option) is required when set, never repeated; the body may carry it', async () => {
    const keyed = await startServer({
      port: 0,
      fullstoryUrl: sim.url,
      apiKey: SECRET,
      writeKey: 'the-write-key',
      log: () => undefined
    })
    try {
      const wrong = await call(keyed.url, 'POST', '/v1/track', { body: track, headers: basic('other') })
      expect([wrong.status, wrong.text.includes('the-write-key')]).toEqual([401, false])
      expect(
        (await call(keyed.url, 'POST', '/v1/track', { body: track, headers: basic('the-write-key') })).status
      ).toBe(200)
      expect(
        (await call(keyed.url, 'POST', '/v1/track', { body: { ...track, writeKey: 'the-write-key' } })).status
      ).toBe(200)
    } finally {
      await keyed.close()
    }
  })

  it('without a key or URL each server starts a simulator of its own and delivers there; with a key alone, FullStory', async () => {
    const [one, two] = [
      await startServer({ port: 0, log: () => undefined }),
      await startServer({ port: 0, log: () => undefined })
    ]
    const own = await startServer({ port: 0, apiKey: 'real-key', log: () => undefined })
    try {
      expect([one.target, one.deliveryUrl]).toEqual(['own simulator', one.simulator?.url])
      await call(one.url, 'POST', '/v1/track', { body: { ...track, event: 'One' }, headers: W })
      await call(two.url, 'POST', '/v1/track', { body: { ...track, event: 'Two' }, headers: W })
      expect([one.simulator?.events().map((e) => e.name), two.simulator?.events().map((e) => e.name)]).toEqual([
        ['One'],
        ['Two']
      ])
      expect((await call(one.url, 'POST', '/authenticate', { body: { apiKey: DEV_API_KEY } })).json).toEqual({
        ok: true
      })
      expect([own.target, own.deliveryUrl, (await call(own.url, 'GET', '/simulator/events')).status]).toEqual([
        'FullStory',
        'https://api.fullstory.com',
        404
      ])
    } finally {
      await Promise.all([one.close(), two.close(), own.close()])
    }
  })
})
