import { startServer, type RunningServer } from '../server'
import { startSimulator, type Simulator } from '../simulator'
import { call } from './helpers'

// The local server's answers to bad input (4xx `{error: {code, message}}`, and it keeps serving), its
// write key rule, its log lines (one per delivery, keys redacted), and its default own simulator.

const SECRET_KEY = 'e2e-secret-api-key-5f3a'
const basic = (writeKey: string) => ({ Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` })

describe('bad input', () => {
  let sim: Simulator
  let server: RunningServer
  const lines: string[] = []

  beforeAll(async () => {
    sim = await startSimulator({ keys: [SECRET_KEY] })
    server = await startServer({ port: 0, fullstoryUrl: sim.url, apiKey: SECRET_KEY, log: (line) => lines.push(line) })
  })
  afterAll(async () => {
    await server.close()
    await sim.close()
  })

  const track = { userId: 'u1', event: 'E' }

  type Case = [what: string, path: string, init: Parameters<typeof call>[3], status: number, code: string]
  const cases: Case[] = [
    [
      'malformed JSON',
      '/v1/track',
      { raw: '{"userId": "u1",', headers: { ...basic('w'), 'Content-Type': 'application/json' } },
      400,
      'malformed_json'
    ],
    ['a body that is not an object', '/trackEvent', { body: [1, 2] }, 400, 'invalid_body'],
    [
      'wrong content type',
      '/v1/track',
      { raw: JSON.stringify(track), headers: { ...basic('w'), 'Content-Type': 'text/plain' } },
      415,
      'unsupported_media_type'
    ],
    [
      'a single call over 32 KB',
      '/v1/track',
      { body: { ...track, properties: { s: 'x'.repeat(33 * 1024) } }, headers: basic('w') },
      413,
      'payload_too_large'
    ],
    [
      'a batch over 500 KB',
      '/v1/batch',
      {
        body: {
          batch: Array.from({ length: 20 }, () => ({
            ...track,
            type: 'track',
            properties: { s: 'x'.repeat(30 * 1024) }
          }))
        },
        headers: basic('w')
      },
      413,
      'payload_too_large'
    ],
    [
      'an action route body over 4 MiB',
      '/trackEvent',
      { body: { payload: { s: 'x'.repeat(4 * 1024 * 1024 + 1) }, settings: {} } },
      413,
      'payload_too_large'
    ],
    ['an unknown action', '/sendEmail', { body: { payload: {}, settings: {} } }, 404, 'unknown_action'],
    ['missing settings', '/trackEvent', { body: { payload: track } }, 400, 'missing_settings'],
    ['missing payload', '/trackEvent', { body: { settings: {} } }, 400, 'missing_payload'],
    ['settings without the API key', '/authentication', { body: { settings: {} } }, 400, 'PAYLOAD_VALIDATION_FAILED'],
    ['no write key', '/v1/track', { body: track }, 401, 'unauthorized'],
    ['track without event', '/v1/track', { body: { userId: 'u1' }, headers: basic('w') }, 400, 'invalid_message'],
    [
      'neither userId nor anonymousId',
      '/v1/identify',
      { body: { traits: {} }, headers: basic('w') },
      400,
      'invalid_message'
    ],
    [
      'a timestamp that is not a date',
      '/v1/page',
      { body: { userId: 'u1', timestamp: 'yesterday' }, headers: basic('w') },
      400,
      'invalid_message'
    ],
    [
      'properties that are not an object',
      '/v1/track',
      { body: { ...track, properties: 'x' }, headers: basic('w') },
      400,
      'invalid_message'
    ],
    [
      'a batch message of unknown type',
      '/v1/batch',
      {
        body: {
          batch: [
            { ...track, type: 'track' },
            { ...track, type: 'purchase' }
          ]
        },
        headers: basic('w')
      },
      400,
      'invalid_message'
    ],
    ['a batch without batch', '/v1/batch', { body: { messages: [] }, headers: basic('w') }, 400, 'invalid_batch'],
    ['an unknown tracking route', '/v1/purchase', { body: track, headers: basic('w') }, 404, 'not_found'],
    ['GET on a POST route', '/v1/track', { headers: basic('w') }, 405, 'method_not_allowed']
  ]

  it.each(cases)(
    '%s: 4xx with {error: {code, message}}, nothing delivered',
    async (_what, path, init, status, code) => {
      sim.reset()
      const method = init?.body === undefined && init?.raw === undefined ? 'GET' : 'POST'
      const reply = await call(server.url, method, path, init)
      expect({ status: reply.status, code: reply.json?.error?.code }).toEqual({ status, code })
      expect(typeof reply.json.error.message).toBe('string')
      expect(sim.requests()).toEqual([])
    }
  )

  it('keeps serving after bad input', async () => {
    sim.reset()
    await call(server.url, 'POST', '/v1/track', {
      raw: '{',
      headers: { ...basic('w'), 'Content-Type': 'application/json' }
    })
    const reply = await call(server.url, 'POST', '/v1/track', { body: track, headers: basic('w') })
    expect(reply.status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it('a batch with one bad message is refused whole, naming the message', async () => {
    sim.reset()
    const reply = await call(server.url, 'POST', '/v1/batch', {
      body: {
        batch: [
          { ...track, type: 'track' },
          { type: 'track', userId: 'u1' }
        ]
      },
      headers: basic('w')
    })
    expect(reply.json.error.message).toMatch(/^batch\[1\]: /)
    expect(sim.events()).toEqual([])
  })

  it('logs one line per delivery (method, route, action, status, duration); never the API key or settings', async () => {
    lines.length = 0
    sim.reset()
    await call(server.url, 'POST', '/v1/track', { body: track, headers: basic('w') })
    await call(server.url, 'POST', '/trackEvent', { body: { payload: track, settings: { apiKey: SECRET_KEY } } })
    await call(server.url, 'POST', '/authentication', { body: { settings: { apiKey: 'wrong-key-in-settings' } } })
    await call(server.url, 'POST', '/v1/track', { body: { userId: 'u1' }, headers: basic('w') })
    expect(lines).toEqual([
      expect.stringMatching(/^POST \/v1\/track trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/trackEvent trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/authentication authentication 401 \d+ms INVALID_AUTHENTICATION$/),
      expect.stringMatching(/^POST \/v1\/track - 400 \d+ms invalid_message$/)
    ])
    expect(lines.join('\n')).not.toContain(SECRET_KEY)
    expect(lines.join('\n')).not.toContain('wrong-key-in-settings')
  })
})

describe('the write key', () => {
  it('SEGMENT_WRITE_KEY (the writeKey option) is required when set; the body may carry it', async () => {
    const server = await startServer({ port: 0, writeKey: 'the-write-key', log: () => undefined })
    try {
      const wrong = await call(server.url, 'POST', '/v1/track', {
        body: { userId: 'u', event: 'E' },
        headers: basic('other')
      })
      const right = await call(server.url, 'POST', '/v1/track', {
        body: { userId: 'u', event: 'E' },
        headers: basic('the-write-key')
      })
      const inBody = await call(server.url, 'POST', '/v1/track', {
        body: { userId: 'u', event: 'F', writeKey: 'the-write-key' }
      })
      expect(wrong.status).toBe(401)
      expect(wrong.json.error.message).not.toContain('the-write-key')
      expect(right.status).toBe(200)
      expect(inBody.status).toBe(200)
      expect(server.simulator?.events().map((e) => e.name)).toEqual(['E', 'F'])
    } finally {
      await server.close()
    }
  })
})

describe('npm start defaults', () => {
  it('without a FullStory key or URL it starts its own simulator, delivers there, and serves its records', async () => {
    const server = await startServer({ port: 0, log: () => undefined })
    try {
      expect(server.target).toBe('own simulator')
      expect(process.env.FULLSTORY_API_URL).toBe(server.simulator?.url)
      await call(server.url, 'POST', '/v1/track', { body: { userId: 'u', event: 'Hello' }, headers: basic('any') })
      const viaServer = await call(server.url, 'GET', '/simulator/events')
      const direct = await call(server.simulator!.url, 'GET', '/simulator/events')
      expect(viaServer.json.events).toEqual([expect.objectContaining({ name: 'Hello' })])
      expect(viaServer.text).toBe(direct.text)
      const index = await call(server.url, 'GET', '/')
      expect(index.json.routes).toEqual(
        expect.arrayContaining(['POST /v1/track', 'POST /trackEvent', 'POST /identifyUser'])
      )
    } finally {
      await server.close()
    }
  })

  it('with a FullStory key and no URL it targets FullStory itself (and serves no simulator routes)', async () => {
    const before = process.env.FULLSTORY_API_URL
    process.env.FULLSTORY_API_URL = 'http://127.0.0.1:1'
    const server = await startServer({ port: 0, apiKey: 'real-key', log: () => undefined })
    try {
      expect(server.target).toBe('FullStory')
      expect(server.deliveryUrl).toBe('https://api.fullstory.com')
      expect(process.env.FULLSTORY_API_URL).toBeUndefined()
      expect((await call(server.url, 'GET', '/simulator/events')).status).toBe(404)
    } finally {
      await server.close()
    }
    expect(process.env.FULLSTORY_API_URL).toBe('http://127.0.0.1:1')
    if (before === undefined) delete process.env.FULLSTORY_API_URL
    else process.env.FULLSTORY_API_URL = before
  })
})
