import { startSimulator, type Simulator } from '../simulator'
import { api, call, failure, KEY } from './helpers'

// Each FullStory rule the simulator enforces, broken once, answered with FullStory's status and code
// (docs/fullstory-api.md), and nothing stored. The first tests show the limits themselves pass.

let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({ keys: { [KEY]: 'ADMIN', 'standard-key': 'USER' }, fullSessions: ['111:222'] })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const repeat = (n: number, ch = 'a') => ch.repeat(n)

function manyProperties(n: number): Record<string, number> {
  const properties: Record<string, number> = {}
  for (let i = 0; i < n; i++) properties[`p${i}`] = i
  return properties
}

/** A property path of exactly `length` characters: a.aaa... */
function deepPath(length: number): { value: Record<string, unknown>; path: string } {
  const leaf = repeat(length - 2, 'b')
  return { value: { a: { [leaf]: 1 } }, path: `a.${leaf}` }
}

const fullContext = {
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

describe('requests at the limits are accepted', () => {
  it('a user with every field at its maximum', async () => {
    const reply = await api(sim, 'POST', '/v2/users', {
      uid: repeat(256),
      display_name: repeat(256),
      email: repeat(118) + '@ex.com.io',
      properties: {
        ...manyProperties(496),
        big: repeat(8192, 'é').slice(0, 4096),
        list: ['x', 'y'],
        ...deepPath(512).value
      },
      schema: {
        properties: { p1: 'int', 'a.nested': 'str', big: 'str', list: 'strs', d: 'date', ds: 'dates', r: 'real' }
      }
    })
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ id: expect.any(String) })
    expect(sim.users()).toHaveLength(1)
  })

  it('an event with every context field and one form of identification', async () => {
    const reply = await api(sim, 'POST', '/v2/events', {
      name: 'Order Completed',
      timestamp: '2024-01-31T12:00:00.123Z',
      properties: { total: 42.5, tags: ['a', 'b'], when: '2024-01-31T12:00:00Z' },
      schema: { properties: { total: 'real', tags: 'strs', when: 'date' } },
      user: { uid: 'u1' },
      session: { use_most_recent: true },
      context: fullContext
    })
    expect(reply.status).toBe(200)
    expect(reply.text).toBe('{}')
    expect(sim.events()).toMatchObject([{ name: 'Order Completed', user: { uid: 'u1' }, context: fullContext }])
  })
})

type Case = [rule: string, method: string, path: string, body: unknown, status: number, code: string]

const event = (extra: Record<string, unknown>) => ({ name: 'E', user: { uid: 'u1' }, ...extra })

const cases: Case[] = [
  ['uid at most 256 characters', 'POST', '/v2/users', { uid: repeat(257) }, 400, 'invalid_argument'],
  ['uid is a string', 'POST', '/v2/users', { uid: 42 }, 400, 'invalid_argument'],
  [
    'display_name at most 256 characters',
    'POST',
    '/v2/users',
    { uid: 'u', display_name: repeat(257) },
    400,
    'invalid_argument'
  ],
  ['email at most 128 characters', 'POST', '/v2/users', { uid: 'u', email: repeat(129) }, 400, 'invalid_argument'],
  [
    'no unknown user fields (type_conversions)',
    'POST',
    '/v2/users',
    { uid: 'u', type_conversions: {} },
    400,
    'invalid_argument'
  ],
  ['no id on a single user create', 'POST', '/v2/users', { id: '1', uid: 'u' }, 400, 'invalid_argument'],
  [
    'property names match [A-Za-z][A-Za-z0-9_]*',
    'POST',
    '/v2/users',
    { uid: 'u', properties: { 'first-name': 'A' } },
    400,
    'invalid_argument'
  ],
  [
    'property names start with a letter',
    'POST',
    '/v2/events',
    event({ properties: { _x: 1 } }),
    400,
    'invalid_argument'
  ],
  [
    'nested property names follow the rule too',
    'POST',
    '/v2/users',
    { uid: 'u', properties: { a: { 'b c': 1 } } },
    400,
    'invalid_argument'
  ],
  [
    'dotted paths at most 512 characters',
    'POST',
    '/v2/users',
    { uid: 'u', properties: deepPath(513).value },
    400,
    'invalid_argument'
  ],
  [
    'at most 500 properties',
    'POST',
    '/v2/users',
    { uid: 'u', properties: manyProperties(501) },
    400,
    'invalid_argument'
  ],
  [
    'string values at most 8192 bytes',
    'POST',
    '/v2/events',
    event({ properties: { s: repeat(4097, 'é') } }),
    400,
    'invalid_argument'
  ],
  [
    'array values at most 8192 bytes',
    'POST',
    '/v2/users',
    { uid: 'u', properties: { l: [repeat(5000), repeat(5000)] } },
    400,
    'invalid_argument'
  ],
  [
    'no arrays of objects',
    'POST',
    '/v2/events',
    event({ properties: { products: [{ sku: 'a' }] } }),
    400,
    'invalid_argument'
  ],
  ['no arrays of mixed types', 'POST', '/v2/users', { uid: 'u', properties: { l: ['a', 1] } }, 400, 'invalid_argument'],
  ['properties is an object', 'POST', '/v2/users', { uid: 'u', properties: ['a'] }, 400, 'invalid_argument'],
  [
    'schema type names are FullStory types',
    'POST',
    '/v2/users',
    { uid: 'u', schema: { properties: { n: 'integer' } } },
    400,
    'invalid_argument'
  ],
  [
    'schema paths are property paths',
    'POST',
    '/v2/events',
    event({ schema: { properties: { 'a..b': 'str' } } }),
    400,
    'invalid_argument'
  ],
  ['schema holds only properties', 'POST', '/v2/users', { uid: 'u', schema: { n: 'int' } }, 400, 'invalid_argument'],
  ['event name is required', 'POST', '/v2/events', { user: { uid: 'u' } }, 400, 'invalid_argument'],
  ['event name is not empty', 'POST', '/v2/events', event({ name: '' }), 400, 'invalid_argument'],
  ['timestamp is RFC 3339', 'POST', '/v2/events', event({ timestamp: '01/31/2024' }), 400, 'invalid_argument'],
  ['no unknown event fields', 'POST', '/v2/events', event({ integration: 'segment' }), 400, 'invalid_argument'],
  [
    'context.location.country is ISO 3166-1 alpha-2',
    'POST',
    '/v2/events',
    event({ context: { location: { country: 'United States' } } }),
    400,
    'invalid_argument'
  ],
  [
    'context.location.region is ISO 3166-2',
    'POST',
    '/v2/events',
    event({ context: { location: { region: 'California' } } }),
    400,
    'invalid_argument'
  ],
  [
    'context.location.latitude is a number',
    'POST',
    '/v2/events',
    event({ context: { location: { latitude: '37.7' } } }),
    400,
    'invalid_argument'
  ],
  [
    'context.location.longitude is within range',
    'POST',
    '/v2/events',
    event({ context: { location: { longitude: 200 } } }),
    400,
    'invalid_argument'
  ],
  [
    'context.device.screen_width is an int32',
    'POST',
    '/v2/events',
    event({ context: { device: { screen_width: 390.5 } } }),
    400,
    'invalid_argument'
  ],
  [
    'context.location.ip_address is an IP',
    'POST',
    '/v2/events',
    event({ context: { location: { ip_address: 'localhost' } } }),
    400,
    'invalid_argument'
  ],
  [
    'context groups are FullStory groups',
    'POST',
    '/v2/events',
    event({ context: { page: { url: 'x' } } }),
    400,
    'invalid_argument'
  ],
  [
    'user is not accepted with session.id',
    'POST',
    '/v2/events',
    { name: 'E', user: { uid: 'u' }, session: { id: '1:2' } },
    400,
    'invalid_argument'
  ],
  [
    'session.id and use_most_recent are two forms',
    'POST',
    '/v2/events',
    { name: 'E', session: { id: '1:2', use_most_recent: true } },
    400,
    'invalid_argument'
  ],
  [
    'use_most_recent needs a user',
    'POST',
    '/v2/events',
    { name: 'E', session: { use_most_recent: true } },
    400,
    'invalid_argument'
  ],
  [
    'user.uid and user.id are two forms',
    'POST',
    '/v2/events',
    { name: 'E', user: { uid: 'u', id: '1' } },
    400,
    'invalid_argument'
  ],
  [
    'user.uid at most 256 characters',
    'POST',
    '/v2/events',
    { name: 'E', user: { uid: repeat(257) } },
    400,
    'invalid_argument'
  ],
  [
    'explicit targeting of a full session',
    'POST',
    '/v2/events',
    { name: 'E', session: { id: '111:222' } },
    400,
    'session_page_limit_exceeded'
  ],
  [
    'an event by unknown FullStory user id',
    'POST',
    '/v2/events',
    { name: 'E', user: { id: '999' } },
    404,
    'user_not_found'
  ],
  ['a batch needs requests', 'POST', '/v2/users/batch', {}, 400, 'required_field'],
  [
    'at most 50,000 rows per batch job',
    'POST',
    '/v2/events/batch',
    { requests: Array.from({ length: 50_001 }, () => ({ name: 'e' })) },
    400,
    'invalid_argument'
  ],
  [
    'shared.context with a row context',
    'POST',
    '/v2/events/batch',
    {
      requests: [{ name: 'a' }, { name: 'b', context: { browser: { url: 'x' } } }],
      shared: { context: { browser: { url: 'y' } } }
    },
    400,
    'invalid_argument'
  ],
  [
    'users batches have no shared data',
    'POST',
    '/v2/users/batch',
    { requests: [{ uid: 'u' }], shared: {} },
    400,
    'invalid_argument'
  ],
  ['the body is a JSON object', 'POST', '/v2/users', ['uid'], 400, 'invalid_argument'],
  ['an unknown endpoint', 'POST', '/v2/people', { uid: 'u' }, 404, 'resource_not_found'],
  ['DELETE names a uid', 'DELETE', '/v2/users', undefined, 400, 'required_field'],
  ['DELETE of a user that does not exist', 'DELETE', '/v2/users?uid=nobody', undefined, 404, 'user_not_found']
]

describe('each rule rejects a request that breaks it', () => {
  it.each(cases)('%s', async (_rule, method, path, body, status, code) => {
    const reply = await api(sim, method, path, body)
    expect(failure(reply)).toEqual({ status, code })
    expect(typeof reply.json.message).toBe('string')
    expect(sim.users()).toEqual([])
    expect(sim.events()).toEqual([])
    expect(sim.jobs()).toEqual([])
  })
})

describe('authentication, roles and the request itself', () => {
  it('no Authorization header: 401 unauthorized', async () => {
    const reply = await call(sim.url, 'POST', '/v2/users', { body: { uid: 'u' } })
    expect(failure(reply)).toEqual({ status: 401, code: 'unauthorized' })
  })

  it('a Bearer token instead of Basic <key>: 401 unauthorized', async () => {
    const reply = await call(sim.url, 'GET', '/me', { headers: { Authorization: `Bearer ${KEY}` } })
    expect(failure(reply)).toEqual({ status: 401, code: 'unauthorized' })
  })

  it('a key that is not configured: 401, and the message does not repeat it', async () => {
    const reply = await call(sim.url, 'GET', '/me', { headers: { Authorization: 'Basic wrong-key-123' } })
    expect(failure(reply)).toEqual({ status: 401, code: 'unauthorized' })
    expect(reply.text).not.toContain('wrong-key-123')
  })

  it('GET /me names the key role', async () => {
    const admin = await api(sim, 'GET', '/me')
    const standard = await call(sim.url, 'GET', '/me', { headers: { Authorization: 'Basic standard-key' } })
    expect(admin.json).toMatchObject({ role: 'ADMIN', orgId: expect.any(String) })
    expect(standard.json).toMatchObject({ role: 'USER' })
  })

  it('a Standard (USER) key may not DELETE: 403 forbidden, and the user stays', async () => {
    await api(sim, 'POST', '/v2/users', { uid: 'u1' })
    const reply = await call(sim.url, 'DELETE', '/v2/users?uid=u1', {
      headers: { Authorization: 'Basic standard-key' }
    })
    expect(failure(reply)).toEqual({ status: 403, code: 'forbidden' })
    expect(sim.users()).toHaveLength(1)
  })

  it('an Admin key deletes by uid: 200 {}', async () => {
    await api(sim, 'POST', '/v2/users', { uid: 'u1' })
    const reply = await api(sim, 'DELETE', '/v2/users?uid=u1')
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({})
    expect(sim.users()).toEqual([])
  })

  it('any non-empty key is accepted when no keys are configured', async () => {
    const open = await startSimulator()
    try {
      const ok = await call(open.url, 'GET', '/me', { headers: { Authorization: 'Basic anything' } })
      const empty = await call(open.url, 'GET', '/me', { headers: { Authorization: 'Basic ' } })
      expect(ok.status).toBe(200)
      expect(failure(empty)).toEqual({ status: 401, code: 'unauthorized' })
    } finally {
      await open.close()
    }
  })

  it('a body that is not JSON: 400 invalid_argument', async () => {
    const reply = await call(sim.url, 'POST', '/v2/users', {
      raw: '{"uid": ',
      headers: { Authorization: `Basic ${KEY}`, 'Content-Type': 'application/json' }
    })
    expect(failure(reply)).toEqual({ status: 400, code: 'invalid_argument' })
  })

  it('a content type other than JSON: 400 invalid_argument', async () => {
    const reply = await call(sim.url, 'POST', '/v2/users', {
      raw: '{"uid":"u"}',
      headers: { Authorization: `Basic ${KEY}`, 'Content-Type': 'text/plain' }
    })
    expect(failure(reply)).toEqual({ status: 400, code: 'invalid_argument' })
    expect(sim.users()).toEqual([])
  })

  it('a body over the configured limit: 413 payload_too_large', async () => {
    const small = await startSimulator({ maxBodyBytes: 100 })
    try {
      const reply = await call(small.url, 'POST', '/v2/users', {
        body: { uid: 'u', properties: { s: repeat(200) } },
        headers: { Authorization: 'Basic k' }
      })
      expect(failure(reply)).toEqual({ status: 413, code: 'payload_too_large' })
    } finally {
      await small.close()
    }
  })

  it('session_page_limit_exceeded can be injected at run time, and use_most_recent is not affected', async () => {
    sim.fullSessions.add('333:444')
    const full = await api(sim, 'POST', '/v2/events', { name: 'E', session: { id: '333:444' } })
    const recent = await api(sim, 'POST', '/v2/events', {
      name: 'E',
      user: { uid: 'u' },
      session: { use_most_recent: true }
    })
    expect(failure(full)).toEqual({ status: 400, code: 'session_page_limit_exceeded' })
    expect(recent.status).toBe(200)
  })
})

describe('users and events are stored as FullStory keeps them', () => {
  it('POST /v2/users upserts by uid and merges properties, newest value first', async () => {
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
    expect(sim.users()).toEqual([
      expect.objectContaining({
        uid: 'u1',
        email: 'a@x.io',
        display_name: 'A',
        properties: { plan: 'pro', a: { b: 1, c: 2 } },
        upserts: 2
      })
    ])
  })

  it('a user without uid is a new anonymous user every time', async () => {
    await api(sim, 'POST', '/v2/users', { display_name: 'A' })
    await api(sim, 'POST', '/v2/users', { display_name: 'A' })
    expect(sim.users()).toHaveLength(2)
  })

  it('property names such as constructor and prototype are stored as plain names', async () => {
    for (let i = 0; i < 2; i++) {
      const reply = await call(sim.url, 'POST', '/v2/users', {
        raw: '{"uid":"u1","properties":{"constructor":{"prototype":{"polluted":1}}}}',
        headers: { Authorization: `Basic ${KEY}`, 'Content-Type': 'application/json' }
      })
      expect(reply.status).toBe(200)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(sim.users()[0].properties).toEqual({ constructor: { prototype: { polluted: 1 } } })
  })
})

describe('batch import jobs', () => {
  it('create answers PROCESSING; rows are imported; the first status poll reports the outcome', async () => {
    const created = await api(sim, 'POST', '/v2/users/batch', {
      requests: [{ uid: 'a' }, { uid: 'b', email: repeat(200) }]
    })
    expect(created.status).toBe(200)
    expect(created.json).toEqual({ job: { id: expect.any(String), status: 'PROCESSING', created: expect.any(String) } })
    const id = created.json.job.id as string

    const early = await api(sim, 'GET', `/v2/users/batch/${id}/imports`)
    expect(early.status).toBe(202)

    const status = await api(sim, 'GET', `/v2/users/batch/${id}`)
    expect(status.json).toEqual({
      imports: 1,
      errors: 1,
      job: { id, status: 'FAILED', created: expect.any(String), finished: expect.any(String) }
    })
    const imports = await api(sim, 'GET', `/v2/users/batch/${id}/imports`)
    expect(imports.json).toEqual({ results: [expect.objectContaining({ uid: 'a' })], total_records: '1' })
    const errors = await api(sim, 'GET', `/v2/users/batch/${id}/errors`)
    expect(errors.json).toEqual({
      results: [
        { code: 'invalid_argument', message: expect.stringContaining('email'), user: { uid: 'b', email: repeat(200) } }
      ],
      total_records: '1'
    })
    expect(sim.users().map((u) => u.uid)).toEqual(['a'])
  })

  it('events batch rows take shared.context; a clean job COMPLETES', async () => {
    const created = await api(sim, 'POST', '/v2/events/batch', {
      requests: [
        { name: 'a', user: { uid: 'u1' } },
        { name: 'b', session: { id: '5:6' } }
      ],
      shared: { context: { browser: { url: 'https://example.com' } } }
    })
    const id = created.json.job.id as string
    const status = await api(sim, 'GET', `/v2/events/batch/${id}`)
    expect(status.json).toEqual({ imports: 2, job: expect.objectContaining({ id, status: 'COMPLETED' }) })
    expect(sim.events()).toMatchObject([
      { name: 'a', context: { browser: { url: 'https://example.com' } }, source: { job: id } },
      { name: 'b', session: { id: '5:6' }, source: { job: id } }
    ])
  })

  it('a job stays PROCESSING for jobPollsBeforeDone polls', async () => {
    const slow = await startSimulator({ jobPollsBeforeDone: 1 })
    try {
      const created = await call(slow.url, 'POST', '/v2/events/batch', {
        body: { requests: [{ name: 'a' }] },
        headers: { Authorization: 'Basic k' }
      })
      const path = `/v2/events/batch/${created.json.job.id}`
      const first = await call(slow.url, 'GET', path, { headers: { Authorization: 'Basic k' } })
      const second = await call(slow.url, 'GET', path, { headers: { Authorization: 'Basic k' } })
      expect(first.json.job.status).toBe('PROCESSING')
      expect(second.json.job.status).toBe('COMPLETED')
    } finally {
      await slow.close()
    }
  })

  it('a job id of the other kind, or unknown: 404 resource_not_found', async () => {
    const created = await api(sim, 'POST', '/v2/events/batch', { requests: [{ name: 'a' }] })
    const other = await api(sim, 'GET', `/v2/users/batch/${created.json.job.id}`)
    expect(failure(other)).toEqual({ status: 404, code: 'resource_not_found' })
  })
})

describe('read-only inspection routes', () => {
  it('GET /simulator/users, /events and /jobs serve what was accepted', async () => {
    await api(sim, 'POST', '/v2/users', { uid: 'u1' })
    await api(sim, 'POST', '/v2/events', { name: 'E', user: { uid: 'u1' } })
    await api(sim, 'POST', '/v2/events/batch', { requests: [{ name: 'F' }] })
    const users = await call(sim.url, 'GET', '/simulator/users?uid=u1')
    const events = await call(sim.url, 'GET', '/simulator/events?name=E')
    const jobs = await call(sim.url, 'GET', '/simulator/jobs')
    expect(users.json.users).toEqual([expect.objectContaining({ uid: 'u1' })])
    expect(events.json.events).toEqual([
      expect.objectContaining({ name: 'E', user: { id: expect.any(String), uid: 'u1' } })
    ])
    expect(jobs.json.jobs).toEqual([expect.objectContaining({ kind: 'events', imports: 1, errors: [] })])
  })
})
