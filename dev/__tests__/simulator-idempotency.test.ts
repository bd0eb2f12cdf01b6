import { startSimulator, type Simulator } from '../simulator'
import { api, call, failure, KEY } from './helpers'

// Idempotency-Key as FullStory documents it (docs/fullstory-api.md), with the simulator's choices
// for what FullStory leaves open: 400 idempotency_key_reused for another body, 409 while in flight.

let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({ keys: [KEY, 'other-org-key'] })
})
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const eventBody = { name: 'Order Completed', user: { uid: 'u1' }, properties: { total: 1 } }

describe('Idempotency-Key', () => {
  it('the same key and body again: the first answer byte for byte, and the event is stored once', async () => {
    const first = await api(sim, 'POST', '/v2/users', { uid: 'u1' }, { 'Idempotency-Key': 'k-1' })
    const again = await api(sim, 'POST', '/v2/users', { uid: 'u1' }, { 'Idempotency-Key': 'k-1' })
    expect(again.status).toBe(first.status)
    expect(again.text).toBe(first.text)
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'u1', upserts: 1 })])
    expect(sim.requests().map((r) => r.replayed ?? false)).toEqual([false, true])
  })

  it('an event retried with its key is stored once', async () => {
    await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'm-1' })
    await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'm-1' })
    await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'm-2' })
    expect(sim.events()).toHaveLength(2)
  })

  it('a 400 is saved and replayed too (it is not retryable)', async () => {
    const first = await api(sim, 'POST', '/v2/events', { name: '' }, { 'Idempotency-Key': 'k-400' })
    const again = await api(sim, 'POST', '/v2/events', { name: '' }, { 'Idempotency-Key': 'k-400' })
    expect(failure(first)).toEqual({ status: 400, code: 'invalid_argument' })
    expect(again.text).toBe(first.text)
    expect(sim.requests()[1].replayed).toBe(true)
  })

  it('the same key with another body: 400 idempotency_key_reused, nothing stored', async () => {
    await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-2' })
    const other = await api(sim, 'POST', '/v2/events', { ...eventBody, name: 'Other' }, { 'Idempotency-Key': 'k-2' })
    expect(failure(other)).toEqual({ status: 400, code: 'idempotency_key_reused' })
    expect(sim.events().map((e) => e.name)).toEqual(['Order Completed'])
  })

  it('the same key on another endpoint counts as another request', async () => {
    await api(sim, 'POST', '/v2/users', { uid: 'u1' }, { 'Idempotency-Key': 'k-3' })
    const other = await api(sim, 'POST', '/v2/users/batch', { requests: [{ uid: 'u1' }] }, { 'Idempotency-Key': 'k-3' })
    expect(failure(other)).toEqual({ status: 400, code: 'idempotency_key_reused' })
  })

  it('keys belong to one API key (org)', async () => {
    await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-4' })
    const otherOrg = await call(sim.url, 'POST', '/v2/events', {
      body: eventBody,
      headers: { Authorization: 'Basic other-org-key', 'Idempotency-Key': 'k-4' }
    })
    expect(otherOrg.status).toBe(200)
    expect(sim.events()).toHaveLength(2)
  })

  it.each(['429;retry-after=3', '500', '503'])(
    'a %s answer is not saved: the retry with the same key runs',
    async (fault) => {
      const failed = await api(sim, 'POST', '/v2/events', eventBody, {
        'Idempotency-Key': 'k-5',
        'X-Simulator-Fault': fault
      })
      const retried = await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-5' })
      expect(failed.status).toBe(Number(fault.slice(0, 3)))
      expect(retried.status).toBe(200)
      expect(sim.requests()[1].replayed).toBeUndefined()
      expect(sim.events()).toHaveLength(1)
    }
  )

  it('a request processed but whose answer was lost (drop-after) is replayed on retry, stored once', async () => {
    sim.faults.queue('drop-after')
    await expect(api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-6' })).rejects.toThrow()
    const retried = await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-6' })
    expect(retried.status).toBe(200)
    expect(sim.requests().map((r) => [r.status, r.replayed ?? false])).toEqual([
      ['dropped', false],
      [200, true]
    ])
    expect(sim.events()).toHaveLength(1)
  })

  it('a retry while the first request is still in flight: 409 idempotency_key_in_use, nothing stored twice', async () => {
    const slow = api(sim, 'POST', '/v2/events', eventBody, {
      'Idempotency-Key': 'k-7',
      'X-Simulator-Fault': 'latency=300'
    })
    // wait until the slow request holds the key (whatever the machine's speed)
    while (sim.inFlight() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const concurrent = await api(sim, 'POST', '/v2/events', eventBody, { 'Idempotency-Key': 'k-7' })
    expect(failure(concurrent)).toEqual({ status: 409, code: 'idempotency_key_in_use' })
    expect((await slow).status).toBe(200)
    expect(sim.events()).toHaveLength(1)
  })

  it('without a key, every request is stored', async () => {
    await api(sim, 'POST', '/v2/events', eventBody)
    await api(sim, 'POST', '/v2/events', eventBody)
    expect(sim.events()).toHaveLength(2)
  })
})
