import { gzipSync } from 'zlib'
import { startServer, type RunningServer } from '../server'
import { SECRET_PIECE_LENGTH } from '../../src/api/redact'
import { startSimulator, type Simulator } from '../simulator'
import { call } from './helpers'

// The local server's answers to bad input (4xx `{error: {code, message}}`, and it keeps serving),
// a bad message inside a batch (dropped alone), its write key rule, its log lines (keys redacted,
// no query strings) and its default own simulator.

const SECRET_KEY = 'na1.e2e-secret-api-key-5f3a9c0d71'
const basic = (writeKey: string) => ({ Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` })

/** Every 8-character piece of `secret` that occurs in `text`. */
function piecesIn(text: string, secret: string): string[] {
  const found: string[] = []
  for (let i = 0; i + SECRET_PIECE_LENGTH <= secret.length; i++) {
    const piece = secret.slice(i, i + SECRET_PIECE_LENGTH)
    if (text.includes(piece)) found.push(piece)
  }
  return found
}

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
  beforeEach(() => sim.reset())

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
      'an unknown content encoding',
      '/v1/track',
      {
        raw: JSON.stringify(track),
        headers: { ...basic('w'), 'Content-Type': 'application/json', 'Content-Encoding': 'compress' }
      },
      415,
      'unsupported_encoding'
    ],
    [
      'a single call over 32 KB (400, as Segment answers it)',
      '/v1/track',
      { body: { ...track, properties: { s: 'x'.repeat(33 * 1024) } }, headers: basic('w') },
      400,
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
      400,
      'payload_too_large'
    ],
    [
      'an action route body over 4 MiB',
      '/trackEvent',
      { body: { payload: { s: 'x'.repeat(4 * 1024 * 1024 + 1) }, settings: {} } },
      413,
      'payload_too_large'
    ],
    ['an unknown action', '/sendEmail', { body: { payload: {}, settings: {} } }, 404, 'not_found'],
    ['a prototype name as a route', '/constructor', { body: { payload: {}, settings: {} } }, 404, 'not_found'],
    ['another prototype name', '/toString', { body: {} }, 404, 'not_found'],
    ['__proto__', '/__proto__', { body: {} }, 404, 'not_found'],
    ['no write key', '/v1/track', { body: track }, 401, 'unauthorized'],
    [
      'a write key that is not base64',
      '/v1/track',
      { body: track, headers: { Authorization: 'Basic d2%%' } },
      401,
      'unauthorized'
    ],
    [
      'base64 without its padding',
      '/v1/track',
      { body: track, headers: { Authorization: 'Basic dw' } },
      401,
      'unauthorized'
    ],
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
      '/v1/track',
      { body: { ...track, timestamp: 'yesterday' }, headers: basic('w') },
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
    ['a batch without batch', '/v1/batch', { body: { messages: [] }, headers: basic('w') }, 400, 'invalid_batch'],
    [
      `a batch of 2,501 messages (Segment's cap is 2,500)`,
      '/v1/batch',
      { body: { batch: Array.from({ length: 2501 }, () => ({ ...track, type: 'track' })) }, headers: basic('w') },
      400,
      'too_many_messages'
    ],
    ['an unknown tracking route', '/v1/purchase', { body: track, headers: basic('w') }, 404, 'not_found'],
    ['GET on a POST route', '/v1/track', { headers: basic('w') }, 405, 'method_not_allowed']
  ]

  it.each(cases)('%s: %d %s, nothing delivered', async (_what, path, init, status, code) => {
    const method = init?.body === undefined && init?.raw === undefined ? 'GET' : 'POST'
    const reply = await call(server.url, method, path, init)
    expect({ status: reply.status, code: reply.json?.error?.code }).toEqual({ status, code })
    expect(typeof reply.json.error.message).toBe('string')
    expect(reply.text).not.toMatch(/\n\s+at |\/work\/|node_modules/)
    expect(sim.requests()).toEqual([])
  })

  it('405 says which method to use, in Allow too', async () => {
    const reply = await call(server.url, 'GET', '/v1/batch')
    expect(reply.headers.get('allow')).toBe('POST')
  })

  it('keeps serving after bad input', async () => {
    await call(server.url, 'POST', '/v1/track', {
      raw: '{',
      headers: { ...basic('w'), 'Content-Type': 'application/json' }
    })
    const reply = await call(server.url, 'POST', '/v1/track', { body: track, headers: basic('w') })
    expect(reply.status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it("the Basic scheme in any case; the body's writeKey too", async () => {
    const encoded = Buffer.from('w:').toString('base64')
    for (const authorization of [`basic ${encoded}`, `BASIC ${encoded}`, `Basic  ${encoded}`]) {
      const reply = await call(server.url, 'POST', '/v1/track', {
        body: track,
        headers: { Authorization: authorization }
      })
      expect({ authorization, status: reply.status }).toEqual({ authorization, status: 200 })
    }
    expect((await call(server.url, 'POST', '/v1/track', { body: { ...track, writeKey: 'w' } })).status).toBe(200)
    expect(sim.events()).toHaveLength(4)
  })

  it('a gzip or deflate body is read; its limit counts the inflated bytes', async () => {
    const gzipped = gzipSync(JSON.stringify({ batch: [{ ...track, type: 'track', event: 'Zipped' }] }))
    const reply = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      body: gzipped,
      headers: { ...basic('w'), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }
    })
    expect(reply.status).toBe(200)
    expect(sim.events().map((e) => e.name)).toEqual(['Zipped'])
    const bomb = gzipSync(JSON.stringify({ ...track, properties: { s: 'x'.repeat(2 * 1024 * 1024) } }))
    expect(bomb.length).toBeLessThan(32 * 1024)
    const refused = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      body: bomb,
      headers: { ...basic('w'), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }
    })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
    const broken = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      body: Buffer.from('not gzip at all'),
      headers: { ...basic('w'), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }
    })
    expect(broken.status).toBe(400)
    expect(sim.events()).toHaveLength(1)
  })

  it('a batch with bad messages drops each alone, naming why; the good ones are delivered (200)', async () => {
    const reply = await call(server.url, 'POST', '/v1/batch', {
      body: {
        batch: [
          { ...track, type: 'track', event: 'First' },
          { ...track, type: 'purchase', messageId: 'bad-type' },
          { type: 'track', userId: 'u1' },
          { ...track, type: 'track', properties: { s: 'x'.repeat(33 * 1024) } },
          'not an object',
          { ...track, type: 'track', event: 'Last' }
        ]
      },
      headers: basic('w')
    })
    expect(reply.status).toBe(200)
    expect(reply.json.success).toBe(true)
    expect(reply.json.results.map((r: any) => [r.outcome, r.error?.code])).toEqual([
      ['delivered', undefined],
      ['dropped', 'invalid_message'],
      ['dropped', 'invalid_message'],
      ['dropped', 'message_too_large'],
      ['dropped', 'invalid_message'],
      ['delivered', undefined]
    ])
    expect(reply.json.results[1]).toEqual(
      expect.objectContaining({
        messageId: 'bad-type',
        error: expect.objectContaining({ message: expect.stringContaining('"type"') })
      })
    )
    expect(sim.events().map((e) => e.name)).toEqual(['First', 'Last'])
  })

  it('logs one line per request and per delivery; no API key (nor a piece of it), settings or query string', async () => {
    lines.length = 0
    await call(server.url, 'POST', '/v1/track?writeKey=query-secret-write-key', { body: track, headers: basic('w') })
    await call(server.url, 'POST', '/trackEvent', { body: { payload: track, settings: { apiKey: SECRET_KEY } } })
    await call(server.url, 'POST', '/authenticate', { body: { apiKey: 'wrong-key-in-settings' } })
    await call(server.url, 'POST', '/v1/track', { body: { userId: 'u1' }, headers: basic('w') })
    await call(server.url, 'POST', `/${SECRET_KEY}`, { body: {} })
    expect(lines).toEqual([
      expect.stringMatching(/^POST \/v1\/track trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/v1\/track 200 \d+ms delivered$/),
      expect.stringMatching(/^POST \/trackEvent 200 \d+ms$/),
      expect.stringMatching(/^POST \/authenticate 200 \d+ms ok: false$/),
      expect.stringMatching(/^POST \/v1\/track 400 \d+ms invalid_message$/),
      expect.stringMatching(/^POST \/\[redacted\] 404 \d+ms not_found$/)
    ])
    const log = lines.join('\n')
    expect(piecesIn(log, SECRET_KEY)).toEqual([])
    expect(log).not.toContain('query-secret')
    expect(log).not.toContain('wrong-key-in-settings')
  })

  it('answers never show the API key or a piece of it, even when an error would quote it', async () => {
    const answers = [
      await call(server.url, 'POST', `/${SECRET_KEY.slice(2, 20)}`, { body: {} }),
      await call(server.url, 'POST', '/authenticate', { body: { apiKey: `${SECRET_KEY}-revoked` } }),
      await call(server.url, 'POST', '/identifyUser', { body: { payload: { userId: 'u' }, settings: {} } })
    ]
    for (const answer of answers) expect(piecesIn(answer.text, SECRET_KEY)).toEqual([])
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
      const viaServer = await call(server.url, 'GET', '/simulator/events?name=Hello')
      const direct = await call(server.simulator!.url, 'GET', '/simulator/events?name=Hello')
      expect(viaServer.json.events).toEqual([expect.objectContaining({ name: 'Hello' })])
      expect(viaServer.text).toBe(direct.text)
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
