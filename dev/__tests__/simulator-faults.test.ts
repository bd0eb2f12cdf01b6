import { parseFault, startSimulator, type Simulator } from '../simulator'
import { api, call, failure, KEY } from './helpers'

// Fault injection: per request (X-Simulator-Fault), queued for the next N requests, standing for a run,
// and over HTTP (/simulator/faults). Faults never touch the /simulator/ routes.

let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({ keys: [KEY] })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const user = { uid: 'u1' }

describe('per-request faults (X-Simulator-Fault)', () => {
  it('429 with Retry-After and the body FullStory documents, nothing stored', async () => {
    const reply = await api(sim, 'POST', '/v2/users', user, { 'X-Simulator-Fault': '429;retry-after=7' })
    expect(reply.status).toBe(429)
    expect(reply.headers.get('retry-after')).toBe('7')
    expect(reply.json).toEqual({
      code: 'too_many_requests',
      message: 'Too many requests. Client has exceeded the rate limit for this endpoint.'
    })
    expect(sim.users()).toEqual([])
  })

  it('429 without retry-after says 1 second', async () => {
    const reply = await api(sim, 'POST', '/v2/users', user, { 'X-Simulator-Fault': '429' })
    expect(reply.headers.get('retry-after')).toBe('1')
  })

  it.each([
    ['500', 'server_error'],
    ['503', 'service_unavailable'],
    ['502', 'bad_gateway']
  ])('%s with a FullStory error body, nothing stored', async (fault, code) => {
    const reply = await api(sim, 'POST', '/v2/events', { name: 'E' }, { 'X-Simulator-Fault': fault })
    expect(failure(reply)).toEqual({ status: Number(fault), code })
    expect(sim.events()).toEqual([])
  })

  it('a custom code and message', async () => {
    const reply = await api(sim, 'GET', '/me', undefined, {
      'X-Simulator-Fault': '400;code=session_page_limit_exceeded;message=full'
    })
    expect(reply.json).toEqual({ code: 'session_page_limit_exceeded', message: 'full' })
  })

  it('latency: the answer comes after the delay (a client that waits less gives up first)', async () => {
    const impatient = call(sim.url, 'GET', '/me', {
      headers: { Authorization: `Basic ${KEY}`, 'X-Simulator-Fault': 'latency=1000' },
      signal: AbortSignal.timeout(50)
    })
    await expect(impatient).rejects.toThrow(/abort|timeout/i)
    const patient = await api(sim, 'GET', '/me', undefined, { 'X-Simulator-Fault': 'latency=20' })
    expect(patient.status).toBe(200)
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'latency=20' })
  })

  it('latency combines with a status', async () => {
    const reply = await api(sim, 'POST', '/v2/users', user, { 'X-Simulator-Fault': 'latency=10;503' })
    expect(reply.status).toBe(503)
  })

  it('drop: the connection is destroyed without an answer, nothing stored', async () => {
    await expect(api(sim, 'POST', '/v2/users', user, { 'X-Simulator-Fault': 'drop' })).rejects.toThrow('fetch failed')
    expect(sim.users()).toEqual([])
    expect(sim.requests()).toEqual([expect.objectContaining({ status: 'dropped', fault: 'drop' })])
  })

  it('drop-after: the request is stored, then the connection is destroyed', async () => {
    await expect(api(sim, 'POST', '/v2/users', user, { 'X-Simulator-Fault': 'drop-after' })).rejects.toThrow(
      'fetch failed'
    )
    expect(sim.users()).toHaveLength(1)
  })

  it('a fault that cannot be read: 400 invalid_fault', async () => {
    const reply = await api(sim, 'GET', '/me', undefined, { 'X-Simulator-Fault': 'explode' })
    expect(failure(reply)).toEqual({ status: 400, code: 'invalid_fault' })
  })
})

describe('faults set by API', () => {
  it('queue(fault, n) applies to the next n requests only', async () => {
    sim.faults.queue('503', 2)
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await api(sim, 'POST', '/v2/users', user)).status)
    expect(statuses).toEqual([503, 503, 200])
    expect(sim.users()).toEqual([expect.objectContaining({ upserts: 1 })])
  })

  it('always(fault) applies to every request until cleared; /simulator routes are never faulted', async () => {
    sim.faults.always('500')
    expect((await api(sim, 'GET', '/me')).status).toBe(500)
    expect((await api(sim, 'GET', '/me')).status).toBe(500)
    expect((await call(sim.url, 'GET', '/simulator/events')).status).toBe(200)
    sim.faults.clear()
    expect((await api(sim, 'GET', '/me')).status).toBe(200)
  })

  it('a fault for the whole run from the options', async () => {
    const flaky = await startSimulator({ fault: '429;retry-after=2' })
    try {
      const reply = await call(flaky.url, 'GET', '/me', { headers: { Authorization: 'Basic k' } })
      expect(reply.status).toBe(429)
      expect(reply.headers.get('retry-after')).toBe('2')
    } finally {
      await flaky.close()
    }
  })

  it('POST /simulator/faults queues over HTTP; DELETE clears', async () => {
    const queued = await call(sim.url, 'POST', '/simulator/faults', { body: { fault: '429;retry-after=5', count: 1 } })
    expect(queued.json).toEqual({ queued: 1 })
    expect((await api(sim, 'GET', '/me')).status).toBe(429)
    expect((await api(sim, 'GET', '/me')).status).toBe(200)
    await call(sim.url, 'POST', '/simulator/faults', { body: { fault: '500' } })
    expect((await api(sim, 'GET', '/me')).status).toBe(500)
    await call(sim.url, 'DELETE', '/simulator/faults')
    expect((await api(sim, 'GET', '/me')).status).toBe(200)
  })

  it('parseFault reads every item', () => {
    expect(parseFault('429;retry-after=7,latency=20')).toEqual({
      status: 429,
      retryAfter: 7,
      latencyMs: 20,
      text: '429;retry-after=7,latency=20'
    })
    expect(parseFault('drop')).toMatchObject({ drop: 'before' })
    expect(() => parseFault('200')).toThrow('not an error status')
    expect(() => parseFault('retry-after=3')).toThrow('neither')
  })
})
