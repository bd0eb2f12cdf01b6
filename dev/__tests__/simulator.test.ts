import { parseFault, startSimulator } from '../simulator'
import type { Simulator } from '../simulator'
import { api, call, KEY } from './helpers'

// The FullStory simulator: each rule it enforces (docs/fullstory-api.md), broken once and answered
// with FullStory's status and code, nothing stored; what it stores; batch import jobs; its
// Idempotency-Key; its faults; its control routes.

let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator({
    keys: { [KEY]: 'ADMIN', 'standard-key': 'USER', 'other-org-key': 'ADMIN' },
    fullSessions: ['111:222']
  })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const a = (n: number) => 'a'.repeat(n)
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]))
/** A property path of exactly `length` characters: a.bbb... */
const path = (length: number) => ({ a: { [a(length - 2).replace(/a/g, 'b')]: 1 } })
const event = (extra: Record<string, unknown>) => ({ name: 'E', user: { uid: 'u1' }, ...extra })
const standard = { Authorization: 'Basic standard-key' }
const context = {
  browser: { url: 'https://example.com/a', user_agent: 'Mozilla/5.0', initial_referrer: 'https://google.com' },
  mobile: { app_id: 'com.example', app_version: '1.2', app_name: 'Example', build_variant: 'release' },
  device: {
    manufacturer: 'Apple',
    model: 'iPhone',
    screen_width: 390,
    screen_height: 844,
    viewport_width: 1,
    viewport_height: 2
  },
  location: { country: 'US', region: 'US-CA', city: 'SF', latitude: 37.7, longitude: -122.4, ip_address: '8.8.8.8' }
}

describe('rules', () => {
  it('requests at every limit are accepted', async () => {
    const user = await api(sim, 'POST', '/v2/users', {
      uid: a(256),
      display_name: a(256),
      email: a(118) + '@ex.com.io',
      properties: { ...many(496), big: 'é'.repeat(4096), list: ['x', 'y'], ...path(512) },
      schema: {
        properties: { p1: 'int', 'a.nested': 'str', big: 'str', list: 'strs', d: 'date', ds: 'dates', r: 'real' }
      }
    })
    expect([user.status, user.json]).toEqual([200, { id: expect.any(String) }])
    const properties = { total: 42.5, tags: ['a', 'b'], when: '2024-01-31T12:00:00Z' }
    const schema = { properties: { total: 'real', tags: 'strs', when: 'date' } }
    const body = event({
      timestamp: '2024-01-31T12:00:00.123Z',
      properties,
      schema,
      session: { use_most_recent: true },
      context
    })
    const created = await api(sim, 'POST', '/v2/events', body)
    expect([created.status, created.text]).toEqual([200, '{}'])
    expect(sim.events()).toMatchObject([{ name: 'E', user: { uid: 'u1' }, context }])
  })

  const [users, events] = ['POST /v2/users', 'POST /v2/events']
  const where = (location: object) => event({ context: { location } })
  const cases: [rule: string, request: string, body: unknown, failure?: string][] = [
    ['uid at most 256 characters', users, { uid: a(257) }],
    ['uid is a string', users, { uid: 42 }],
    ['display_name at most 256', users, { uid: 'u', display_name: a(257) }],
    ['email at most 128 characters', users, { uid: 'u', email: a(129) }],
    ['no unknown user fields', users, { uid: 'u', type_conversions: {} }],
    ['no id on a single user create', users, { id: '1', uid: 'u' }],
    ['property names [A-Za-z][A-Za-z0-9_]*', users, { uid: 'u', properties: { 'first-name': 'A' } }],
    ['property names start with a letter', events, event({ properties: { _x: 1 } })],
    ['nested names too', users, { uid: 'u', properties: { a: { 'b c': 1 } } }],
    ['dotted paths at most 512', users, { uid: 'u', properties: path(513) }],
    ['at most 500 properties', users, { uid: 'u', properties: many(501) }],
    ['strings at most 8192 bytes', events, event({ properties: { s: 'é'.repeat(4097) } })],
    ['arrays at most 8192 bytes', users, { uid: 'u', properties: { l: [a(5000), a(5000)] } }],
    ['no arrays of objects', events, event({ properties: { products: [{ sku: 'a' }] } })],
    ['no mixed arrays', users, { uid: 'u', properties: { l: ['a', 1] } }],
    ['properties is an object', users, { uid: 'u', properties: ['a'] }],
    ['schema types are FullStory types', users, { uid: 'u', schema: { properties: { n: 'integer' } } }],
    ['schema paths are paths', events, event({ schema: { properties: { 'a..b': 'str' } } })],
    ['schema holds only properties', users, { uid: 'u', schema: { n: 'int' } }],
    ['event name is required', events, { user: { uid: 'u' } }],
    ['event name is not empty', events, event({ name: '' })],
    ['timestamp is RFC 3339', events, event({ timestamp: '01/31/2024' })],
    ['no unknown event fields', events, event({ integration: 'segment' })],
    ['country ISO 3166-1', events, where({ country: 'United States' })],
    ['region ISO 3166-2', events, where({ region: 'California' })],
    ['latitude is a number', events, where({ latitude: '37.7' })],
    ['longitude in range', events, where({ longitude: 200 })],
    ['ip_address is an IP', events, where({ ip_address: 'localhost' })],
    ['screen_width is an int32', events, event({ context: { device: { screen_width: 390.5 } } })],
    ['context groups are FullStory groups', events, event({ context: { page: { url: 'x' } } })],
    ['user with session.id', events, { name: 'E', user: { uid: 'u' }, session: { id: '1:2' } }],
    ['session.id with use_most_recent', events, { name: 'E', session: { id: '1:2', use_most_recent: true } }],
    ['use_most_recent needs a user', events, { name: 'E', session: { use_most_recent: true } }],
    ['user.uid with user.id', events, { name: 'E', user: { uid: 'u', id: '1' } }],
    ['user.uid at most 256', events, { name: 'E', user: { uid: a(257) } }],
    ['a full session', events, { name: 'E', session: { id: '111:222' } }, '400 session_page_limit_exceeded'],
    ['an unknown FullStory user id', events, { name: 'E', user: { id: '999' } }, '404 user_not_found'],
    ['a batch needs requests', 'POST /v2/users/batch', {}, '400 required_field'],
    [
      'at most 50,000 rows',
      'POST /v2/events/batch',
      { requests: Array.from({ length: 50_001 }, () => ({ name: 'e' })) }
    ],
    [
      'shared.context with a row context',
      'POST /v2/events/batch',
      { requests: [{ name: 'a', context }], shared: { context } }
    ],
    ['users batches share nothing', 'POST /v2/users/batch', { requests: [{ uid: 'u' }], shared: {} }],
    ['the body is an object', users, ['uid']],
    ['an unknown endpoint', 'POST /v2/people', { uid: 'u' }, '404 resource_not_found'],
    ['DELETE names a uid', 'DELETE /v2/users', undefined, '400 required_field'],
    ['DELETE of an unknown user', 'DELETE /v2/users?uid=nobody', undefined, '404 user_not_found']
  ]

  it.each(cases)('%s', async (_rule, request, body, failure = '400 invalid_argument') => {
    const [method, path] = request.split(' ')
    const reply = await api(sim, method, path, body)
    expect([reply.failure, typeof reply.json.message]).toEqual([failure, 'string'])
    expect([sim.users(), sim.events(), sim.jobs()]).toEqual([[], [], []])
  })

  it.each([
    ['no Authorization header', {}, '401 unauthorized'],
    ['a Bearer token', { Authorization: `Bearer ${KEY}` }, '401 unauthorized'],
    ['a key it does not know (not repeated)', { Authorization: 'Basic wrong-key-123' }, '401 unauthorized'],
    [
      'not JSON',
      { Authorization: `Basic ${KEY}`, 'Content-Type': 'application/json' },
      '400 invalid_argument',
      '{"uid": '
    ],
    [
      'not application/json',
      { Authorization: `Basic ${KEY}`, 'Content-Type': 'text/plain' },
      '400 invalid_argument',
      '{"uid":"u"}'
    ]
  ])('%s: %s', async (_what, headers, failure, raw = '{"uid":"u"}') => {
    const reply = await call(sim.url, 'POST', '/v2/users', { raw, headers })
    expect(reply.failure).toBe(failure)
    expect(reply.text).not.toContain('wrong-key-123')
    expect(sim.users()).toEqual([])
  })

  it('GET /me names the role; a Standard key may not delete (403), an Admin key may', async () => {
    expect((await api(sim, 'GET', '/me')).json).toMatchObject({ role: 'ADMIN', orgId: expect.any(String) })
    expect((await call(sim.url, 'GET', '/me', { headers: standard })).json).toMatchObject({ role: 'USER' })
    await api(sim, 'POST', '/v2/users', { uid: 'u1' })
    expect((await call(sim.url, 'DELETE', '/v2/users?uid=u1', { headers: standard })).failure).toBe('403 forbidden')
    expect(sim.users()).toHaveLength(1)
    expect((await api(sim, 'DELETE', '/v2/users?uid=u1')).json).toEqual({})
    expect(sim.users()).toEqual([])
  })

  it('without keys any non-empty key is accepted; a body over maxBodyBytes is 413', async () => {
    const open = await startSimulator({ maxBodyBytes: 100 })
    try {
      expect((await call(open.url, 'GET', '/me', { headers: { Authorization: 'Basic anything' } })).status).toBe(200)
      expect((await call(open.url, 'GET', '/me', { headers: { Authorization: 'Basic ' } })).failure).toBe(
        '401 unauthorized'
      )
      const big = await call(open.url, 'POST', '/v2/users', {
        body: { uid: a(200) },
        headers: { Authorization: 'Basic k' }
      })
      expect(big.failure).toBe('413 payload_too_large')
    } finally {
      await open.close()
    }
  })

  it('a session made full at run time is refused; use_most_recent is not', async () => {
    sim.fullSessions.add('333:444')
    expect((await api(sim, 'POST', '/v2/events', { name: 'E', session: { id: '333:444' } })).failure).toBe(
      '400 session_page_limit_exceeded'
    )
    expect((await api(sim, 'POST', '/v2/events', event({ session: { use_most_recent: true } }))).status).toBe(200)
  })
})

describe('what it stores', () => {
  it('POST /v2/users upserts by uid and merges properties, newest first; without uid, a new user each time', async () => {
    const first = await api(sim, 'POST', '/v2/users', {
      uid: 'u1',
      email: 'a@x.io',
      properties: { plan: 'free', a: { b: 1 } }
    })
    const second = await api(sim, 'POST', '/v2/users', {
      uid: 'u1',
      display_name: 'A',
      properties: { plan: 'pro', a: { c: 2 } }
    })
    expect(second.json.id).toBe(first.json.id)
    const properties = { plan: 'pro', a: { b: 1, c: 2 } }
    expect(sim.users()).toEqual([
      expect.objectContaining({ uid: 'u1', email: 'a@x.io', display_name: 'A', properties, upserts: 2 })
    ])
    await api(sim, 'POST', '/v2/users', { display_name: 'A' })
    await api(sim, 'POST', '/v2/users', { display_name: 'A' })
    expect(sim.users()).toHaveLength(3)
  })

  it('property names such as constructor and prototype are plain names', async () => {
    const raw = '{"uid":"u1","properties":{"constructor":{"prototype":{"polluted":1}}}}'
    for (let i = 0; i < 2; i++) {
      const headers = { Authorization: `Basic ${KEY}`, 'Content-Type': 'application/json' }
      expect((await call(sim.url, 'POST', '/v2/users', { raw, headers })).status).toBe(200)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(sim.users()[0].properties).toEqual({ constructor: { prototype: { polluted: 1 } } })
  })

  it('GET /simulator/users, /events, /jobs and /requests serve what was accepted', async () => {
    await api(sim, 'POST', '/v2/users', { uid: 'u1' })
    await api(sim, 'POST', '/v2/events', { name: 'E', user: { uid: 'u1' } })
    await api(sim, 'POST', '/v2/events/batch', { requests: [{ name: 'F' }] })
    expect((await call(sim.url, 'GET', '/simulator/users?uid=u1')).json.users).toEqual([
      expect.objectContaining({ uid: 'u1' })
    ])
    const events = (await call(sim.url, 'GET', '/simulator/events?name=E')).json.events
    expect(events).toEqual([expect.objectContaining({ name: 'E', user: { id: expect.any(String), uid: 'u1' } })])
    const jobs = (await call(sim.url, 'GET', '/simulator/jobs')).json.jobs
    expect(jobs).toEqual([expect.objectContaining({ kind: 'events', imports: 1, errors: [] })])
    expect((await call(sim.url, 'GET', '/simulator/requests')).json).toEqual({
      requests: expect.any(Array),
      inFlight: 0
    })
  })
})

describe('batch import jobs', () => {
  it('create answers PROCESSING; the first status poll reports FAILED with the refused row in /errors, the others stored', async () => {
    const created = await api(sim, 'POST', '/v2/users/batch', { requests: [{ uid: 'a' }, { uid: 'b', email: a(200) }] })
    expect(created.json).toEqual({ job: { id: expect.any(String), status: 'PROCESSING', created: expect.any(String) } })
    const id = created.json.job.id as string
    expect([(await api(sim, 'GET', `/v2/users/batch/${id}/errors`)).status, sim.jobs()[0].status]).toEqual([
      202,
      'PROCESSING'
    ])
    expect((await api(sim, 'GET', `/v2/users/batch/${id}/imports`)).text).toBe('')
    const status = await api(sim, 'GET', `/v2/users/batch/${id}`)
    const job = { id, status: 'FAILED', created: expect.any(String), finished: expect.any(String) }
    expect(status.json).toEqual({ imports: 1, errors: 1, job })
    const imports = await api(sim, 'GET', `/v2/users/batch/${id}/imports`)
    expect(imports.json).toEqual({
      results: [expect.objectContaining({ uid: 'a' })],
      total_records: '1',
      next_page_token: ''
    })
    const refused = {
      code: 'invalid_argument',
      message: expect.stringContaining('email'),
      user: { uid: 'b', email: a(200) }
    }
    expect((await api(sim, 'GET', `/v2/users/batch/${id}/errors`)).json).toEqual({
      results: [refused],
      total_records: '1',
      next_page_token: ''
    })
    expect(sim.users().map((u) => u.uid)).toEqual(['a'])
  })

  it('events rows take shared.context; a clean job COMPLETES; a job of the other kind is 404', async () => {
    const shared = { context: { browser: { url: 'https://example.com' } } }
    const created = await api(sim, 'POST', '/v2/events/batch', {
      requests: [
        { name: 'a', user: { uid: 'u1' } },
        { name: 'b', session: { id: '5:6' } }
      ],
      shared
    })
    const id = created.json.job.id as string
    expect((await api(sim, 'GET', `/v2/events/batch/${id}`)).json).toEqual({
      imports: 2,
      errors: 0,
      job: expect.objectContaining({ id, status: 'COMPLETED' })
    })
    expect(sim.events()).toMatchObject([
      { name: 'a', context: shared.context, source: { job: id } },
      { name: 'b', session: { id: '5:6' }, source: { job: id } }
    ])
    expect((await api(sim, 'GET', `/v2/users/batch/${id}`)).failure).toBe('404 resource_not_found')
  })

  it('a refuse-rows fault (queued, or over HTTP) refuses the rows it names: FAILED, each row in /errors as sent, paged', async () => {
    const paged = await startSimulator({ pageSize: 2, jobPollsBeforeDone: 1 })
    const headers = { Authorization: 'Basic k' }
    try {
      const faulted = await call(paged.url, 'POST', '/simulator/faults', {
        body: { fault: 'refuse-rows=0+2+3;code=event_validation_failed;message=out of range', count: 1 }
      })
      expect(faulted.json).toEqual({ queued: 1 })
      const requests = ['A', 'B', 'C', 'D', 'E'].map((name) => ({ name, user: { uid: 'u1' } }))
      const shared = { context: { browser: { url: 'https://example.com' } } }
      const id = (await call(paged.url, 'POST', '/v2/events/batch', { body: { requests, shared }, headers })).json.job
        .id as string
      const poll = () => call(paged.url, 'GET', `/v2/events/batch/${id}`, { headers })
      expect((await poll()).json).toEqual({
        imports: 0,
        errors: 0,
        job: expect.objectContaining({ status: 'PROCESSING' })
      })
      expect((await poll()).json).toEqual({ imports: 2, errors: 3, job: expect.objectContaining({ status: 'FAILED' }) })
      const pages = []
      for (let token = '', i = 0; i === 0 || (token && i < 5); i++) {
        const page = await call(paged.url, 'GET', `/v2/events/batch/${id}/errors?page_token=${token}`, { headers })
        pages.push(page.json)
        token = page.json.next_page_token
      }
      const row = (name: string) => ({
        code: 'event_validation_failed',
        message: 'out of range',
        event: { name, user: { uid: 'u1' } },
        shared
      })
      expect(pages).toEqual([
        { results: [row('A'), row('C')], total_records: '3', next_page_token: '2' },
        { results: [row('D')], total_records: '3', next_page_token: '' }
      ])
      expect(paged.events().map((e) => e.name)).toEqual(['B', 'E'])
      paged.faults.queue('refuse-rows=1')
      await call(paged.url, 'POST', '/v2/users/batch', { body: { requests: [{ uid: 'x' }, { uid: 'y' }] }, headers })
      expect(paged.jobs()[1].errors).toEqual([
        { code: 'invalid_argument', message: 'row 1 refused (simulated)', user: { uid: 'y' } }
      ])
      expect(paged.users().map((u) => u.uid)).toEqual(['u1', 'x'])
    } finally {
      await paged.close()
    }
  })
})

describe('Idempotency-Key', () => {
  const body = { name: 'Order Completed', user: { uid: 'u1' }, properties: { total: 1 } }
  const keyed = (key: string, extra: Record<string, string> = {}) => ({ 'Idempotency-Key': key, ...extra })

  it('the same key and body again: the first answer byte for byte (a 400 too), stored once; without a key, stored each time', async () => {
    const first = await api(sim, 'POST', '/v2/users', { uid: 'u1' }, keyed('k-1'))
    const again = await api(sim, 'POST', '/v2/users', { uid: 'u1' }, keyed('k-1'))
    expect([again.status, again.text]).toEqual([first.status, first.text])
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'u1', upserts: 1 })])
    const refused = await api(sim, 'POST', '/v2/events', { name: '' }, keyed('k-400'))
    expect((await api(sim, 'POST', '/v2/events', { name: '' }, keyed('k-400'))).text).toBe(refused.text)
    expect(sim.requests().map((r) => r.replayed ?? false)).toEqual([false, true, false, true])
    await api(sim, 'POST', '/v2/events', body)
    await api(sim, 'POST', '/v2/events', body)
    expect(sim.events()).toHaveLength(2)
  })

  it('the same key with another body or on another endpoint: 400 idempotency_key_reused; another org may use it', async () => {
    await api(sim, 'POST', '/v2/events', body, keyed('k-2'))
    expect((await api(sim, 'POST', '/v2/events', { ...body, name: 'Other' }, keyed('k-2'))).failure).toBe(
      '400 idempotency_key_reused'
    )
    expect((await api(sim, 'POST', '/v2/events/batch', { requests: [body] }, keyed('k-2'))).failure).toBe(
      '400 idempotency_key_reused'
    )
    const otherOrg = await call(sim.url, 'POST', '/v2/events', {
      body,
      headers: { Authorization: 'Basic other-org-key', ...keyed('k-2') }
    })
    expect(otherOrg.status).toBe(200)
    expect(sim.events().map((e) => e.name)).toEqual(['Order Completed', 'Order Completed'])
  })

  it.each(['429;retry-after=3', '500', '503'])(
    'a %s answer is not saved: the retry with the same key runs',
    async (fault) => {
      expect((await api(sim, 'POST', '/v2/events', body, keyed('k-5', { 'X-Simulator-Fault': fault }))).status).toBe(
        Number(fault.slice(0, 3))
      )
      expect((await api(sim, 'POST', '/v2/events', body, keyed('k-5'))).status).toBe(200)
      expect([sim.requests()[1].replayed, sim.events().length]).toEqual([undefined, 1])
    }
  )

  it('an answer lost after the request ran (drop-after) is replayed on retry, stored once', async () => {
    sim.faults.queue('drop-after')
    await expect(api(sim, 'POST', '/v2/events', body, keyed('k-6'))).rejects.toThrow('fetch failed')
    expect((await api(sim, 'POST', '/v2/events', body, keyed('k-6'))).status).toBe(200)
    expect(sim.requests().map((r) => [r.status, r.replayed ?? false])).toEqual([
      ['dropped', false],
      [200, true]
    ])
    expect(sim.events()).toHaveLength(1)
  })

  it('a retry while the first request is still in flight: 409 idempotency_key_in_use, stored once', async () => {
    const slow = api(sim, 'POST', '/v2/events', body, keyed('k-7', { 'X-Simulator-Fault': 'latency=300' }))
    const deadline = Date.now() + 5000
    while (sim.inFlight() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    expect((await api(sim, 'POST', '/v2/events', body, keyed('k-7'))).failure).toBe('409 idempotency_key_in_use')
    expect((await slow).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })
})

describe('faults', () => {
  const fault = (text: string) => ({ 'X-Simulator-Fault': text })

  it('429 with Retry-After (default 1) and the body FullStory documents; other statuses with their body; nothing stored', async () => {
    const limited = await api(sim, 'POST', '/v2/users', { uid: 'u1' }, fault('429;retry-after=7'))
    const message = 'Too many requests. Client has exceeded the rate limit for this endpoint.'
    expect([limited.status, limited.headers.get('retry-after'), limited.json]).toEqual([
      429,
      '7',
      { code: 'too_many_requests', message }
    ])
    expect((await api(sim, 'POST', '/v2/users', { uid: 'u1' }, fault('429'))).headers.get('retry-after')).toBe('1')
    for (const [status, code] of [
      ['500', 'server_error'],
      ['503', 'service_unavailable'],
      ['502', 'bad_gateway'],
      ['latency=10;503', 'service_unavailable']
    ]) {
      expect((await api(sim, 'POST', '/v2/events', { name: 'E' }, fault(status))).failure).toBe(
        `${status.slice(-3)} ${code}`
      )
    }
    expect(
      (await api(sim, 'GET', '/me', undefined, fault('400;code=session_page_limit_exceeded;message=full'))).json
    ).toEqual({ code: 'session_page_limit_exceeded', message: 'full' })
    expect([sim.users(), sim.events()]).toEqual([[], []])
    expect((await api(sim, 'GET', '/me', undefined, fault('explode'))).failure).toBe('400 invalid_fault')
  })

  it('latency: the answer comes after the delay (a client that waits less gives up first)', async () => {
    const impatient = call(sim.url, 'GET', '/me', {
      headers: { Authorization: `Basic ${KEY}`, ...fault('latency=1000') },
      signal: AbortSignal.timeout(50)
    })
    await expect(impatient).rejects.toThrow(/abort|timeout/i)
    expect((await api(sim, 'GET', '/me', undefined, fault('latency=20'))).status).toBe(200)
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'latency=20' })
  })

  it('drop destroys the connection, nothing stored; drop-after stores, then destroys it', async () => {
    await expect(api(sim, 'POST', '/v2/users', { uid: 'u1' }, fault('drop'))).rejects.toThrow('fetch failed')
    expect([sim.users(), sim.requests()]).toEqual([[], [expect.objectContaining({ status: 'dropped', fault: 'drop' })]])
    await expect(api(sim, 'POST', '/v2/users', { uid: 'u1' }, fault('drop-after'))).rejects.toThrow('fetch failed')
    expect(sim.users()).toHaveLength(1)
  })

  it('queue(fault, n) and pass(n) take the next requests; always() every one until cleared, never the /simulator routes', async () => {
    sim.faults.pass(1)
    sim.faults.queue('503', 2)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await api(sim, 'POST', '/v2/users', { uid: 'u1' })).status)
    expect([statuses, sim.users()[0].upserts]).toEqual([[200, 503, 503, 200], 2])
    sim.faults.always('500')
    expect([(await api(sim, 'GET', '/me')).status, (await call(sim.url, 'GET', '/simulator/events')).status]).toEqual([
      500, 200
    ])
    sim.faults.clear()
    expect((await api(sim, 'GET', '/me')).status).toBe(200)
  })

  it('over HTTP: POST /simulator/faults queues (with count) or stands (without); DELETE clears; the option `fault` stands', async () => {
    expect(
      (await call(sim.url, 'POST', '/simulator/faults', { body: { fault: '429;retry-after=5', count: 1 } })).json
    ).toEqual({ queued: 1 })
    expect([(await api(sim, 'GET', '/me')).status, (await api(sim, 'GET', '/me')).status]).toEqual([429, 200])
    await call(sim.url, 'POST', '/simulator/faults', { body: { fault: '500' } })
    expect((await api(sim, 'GET', '/me')).status).toBe(500)
    await call(sim.url, 'DELETE', '/simulator/faults')
    expect((await api(sim, 'GET', '/me')).status).toBe(200)
    expect((await call(sim.url, 'POST', '/simulator/faults', { body: { fault: 'refuse-rows=x' } })).failure).toBe(
      '400 invalid_fault'
    )
    const flaky = await startSimulator({ fault: '429;retry-after=2' })
    const reply = await call(flaky.url, 'GET', '/me', { headers: { Authorization: 'Basic k' } })
    await flaky.close()
    expect([reply.status, reply.headers.get('retry-after')]).toEqual([429, '2'])
  })

  it('parseFault reads every item', () => {
    expect(parseFault('429;retry-after=7,latency=20')).toEqual({
      status: 429,
      retryAfter: 7,
      latencyMs: 20,
      text: '429;retry-after=7,latency=20'
    })
    expect(parseFault('drop')).toMatchObject({ drop: 'before' })
    expect(parseFault('refuse-rows=0+3;code=x')).toMatchObject({ refuseRows: [0, 3], code: 'x' })
    expect(() => parseFault('200')).toThrow('not an error status')
    expect(() => parseFault('retry-after=3')).toThrow('neither')
  })
})
