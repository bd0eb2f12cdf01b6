import { Analytics } from '@segment/analytics-node'
import type { Simulator } from '../../dev/simulator'
import { startServer } from '../../dev/server'
import type { RunningServer } from '../../dev/server'
import { API_KEY, startE2eSimulator, waitUntil } from './helpers'
import type { E2eSimulator } from './helpers'

// Segment's own Node client (@segment/analytics-node) sending to the local server, which delivers
// to the simulator. A retryable FullStory failure in the middle of a client batch loses nothing and
// stores nothing twice, whether the server's own retries absorb it or the client has to send the
// batch again; a message sent again without a timestamp is the same delivery; `integrations` are
// honoured. The server retries at most twice here, 20 ms apart, and waits at most 500 ms for a
// Retry-After; the client flushes 5 events a batch and gives up after 20 s (it never needs that long).

let e2e: E2eSimulator
let sim: Simulator
let server: RunningServer
const logLines: string[] = []

beforeAll(async () => {
  e2e = await startE2eSimulator()
  sim = e2e.sim
  server = await startServer({
    port: 0,
    fullstoryUrl: sim.url,
    apiKey: API_KEY,
    log: (line) => logLines.push(line),
    retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 500 }
  })
})
afterAll(async () => {
  await server.close()
  await e2e.stop()
})
beforeEach(() => {
  sim.reset()
  logLines.length = 0
})

interface ClientRun {
  /** Each HTTP request the client made: its status and how many messages it carried. */
  requests: { status: number; retryAfter?: string; messages: number }[]
  errors: unknown[]
}

/** Sends `events` with a fresh client (5 a batch) and waits until it has flushed them all. */
async function sendWithClient(events: Parameters<Analytics['track']>[0][]): Promise<ClientRun> {
  const analytics = new Analytics({
    writeKey: 'client-write-key',
    host: server.url,
    flushAt: 5,
    flushInterval: 50,
    maxRetries: 3,
    httpRequestTimeout: 5000
  })
  const run: ClientRun = { requests: [], errors: [] }
  let messages = 0
  analytics.on('http_request', (request) => {
    messages = (JSON.parse(request.body) as { batch: unknown[] }).batch.length
  })
  analytics.on('http_response', (response) => {
    const headers = response.headers
    run.requests.push({ status: response.status, retryAfter: headers['retry-after'], messages })
  })
  analytics.on('error', (error) => run.errors.push(error))
  for (const event of events) analytics.track(event)
  await analytics.closeAndFlush({ timeout: 20_000 })
  return run
}

const fiveEvents = () => [1, 2, 3, 4, 5].map((n) => ({ userId: 'client-user', event: `Client Event ${n}` }))

/** How many times each event name was stored. */
function storedNames(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const event of sim.events()) counts[event.name] = (counts[event.name] ?? 0) + 1
  return counts
}

const eachOnce = {
  'Client Event 1': 1,
  'Client Event 2': 1,
  'Client Event 3': 1,
  'Client Event 4': 1,
  'Client Event 5': 1
}

describe('a retryable FullStory failure in the middle of a client batch', () => {
  it('503 once: the server retries it; the client sees one 200; all 5 stored once', async () => {
    sim.faults.pass(2)
    sim.faults.queue('503')
    const run = await sendWithClient(fiveEvents())
    expect(run).toEqual({ requests: [{ status: 200, messages: 5 }], errors: [] })
    expect(storedNames()).toEqual(eachOnce)
    expect(sim.requests().map((r) => r.status)).toEqual([200, 200, 503, 200, 200, 200])
    expect(logLines).toContainEqual(
      expect.stringMatching(/^POST \/v1\/batch\[2\] trackEvent 503 \d+ms RETRYABLE_ERROR; retry 1 of 1 in 20ms$/)
    )
  })

  it('a lost answer (stored, connection dropped): the server retry is a replay, not a second event', async () => {
    sim.faults.pass(2)
    sim.faults.queue('drop-after')
    const run = await sendWithClient(fiveEvents())
    expect(run).toEqual({ requests: [{ status: 200, messages: 5 }], errors: [] })
    expect(storedNames()).toEqual(eachOnce)
    expect(sim.requests().map((r) => [r.status, r.replayed ?? false])).toEqual([
      [200, false],
      [200, false],
      ['dropped', false],
      [200, true],
      [200, false],
      [200, false]
    ])
  })

  it.each([
    ['503 twice', '503'],
    ['a dropped connection twice', 'drop']
  ])(
    '%s (more than the server retries): 503 to the client, which sends the batch again; all stored once',
    async (_what, fault) => {
      sim.faults.pass(2)
      sim.faults.queue(fault, 2)
      const run = await sendWithClient(fiveEvents())
      expect(run).toEqual({
        requests: [
          { status: 503, retryAfter: '1', messages: 5 },
          { status: 200, messages: 5 }
        ],
        errors: []
      })
      expect(storedNames()).toEqual(eachOnce)
      // the resend: the two messages delivered before the failure are replays
      expect(sim.requests().filter((r) => r.replayed)).toHaveLength(2)
    }
  )

  it('429 with a Retry-After longer than the server waits: 429 and Retry-After to the client, which waits and resends', async () => {
    sim.faults.pass(2)
    sim.faults.queue('429;retry-after=1')
    const run = await sendWithClient(fiveEvents())
    expect(run).toEqual({
      requests: [
        { status: 429, retryAfter: '1', messages: 5 },
        { status: 200, messages: 5 }
      ],
      errors: []
    })
    expect(storedNames()).toEqual(eachOnce)
  })
})

describe('integrations, as the client sets them', () => {
  it('All: false is not delivered unless this destination is named; naming it false turns it off', async () => {
    const run = await sendWithClient([
      { userId: 'u', event: 'Everywhere' },
      { userId: 'u', event: 'Nowhere', integrations: { All: false } },
      { userId: 'u', event: 'Only Here', integrations: { All: false, 'Fullstory Cloud Mode (Actions)': true } },
      { userId: 'u', event: 'Not Here', integrations: { 'FullStory Cloud Mode (Actions)': false } },
      { userId: 'u', event: 'Not By Slug', integrations: { 'actions-fullstory-cloud': false } }
    ])
    expect(run.errors).toEqual([])
    expect(sim.events().map((e) => e.name)).toEqual(['Everywhere', 'Only Here'])
  })
})

describe('a message without a timestamp, sent again', () => {
  const basic = `Basic ${Buffer.from('raw-client:').toString('base64')}`

  function post(message: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
    const sentAt = message.originalTimestamp ? { sentAt: new Date().toISOString() } : {}
    return fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic },
      body: JSON.stringify({ batch: [message], ...sentAt }),
      signal
    })
  }

  /** Sends the message as a client library retries it (a new sentAt each time) until a 200, at most 6 times. */
  async function sendUntilAccepted(message: Record<string, unknown>): Promise<number[]> {
    const statuses: number[] = []
    for (let attempt = 0; attempt < 6 && statuses.at(-1) !== 200; attempt++) {
      const response = await post(message)
      statuses.push(response.status)
      await response.text()
    }
    return statuses
  }

  /** With `originalTimestamp` (and the batch's sentAt) as a client library sends it, or bare as from curl. */
  const message = (id: string, bare = false) => ({
    type: 'track',
    messageId: id,
    userId: 'u',
    event: 'No Timestamp',
    ...(bare ? {} : { originalTimestamp: new Date(Date.now() - 5000).toISOString() })
  })

  it('after a lost answer and a failed retry (503 to the client): the resend is a replay, stored once', async () => {
    sim.faults.queue('drop-after')
    sim.faults.queue('503')
    const statuses = await sendUntilAccepted(message('no-ts-1'))
    expect(statuses).toEqual([503, 200])
    expect(sim.events()).toHaveLength(1)
    expect(sim.requests().map((r) => [r.status, r.replayed ?? false])).toEqual([
      ['dropped', false],
      [503, false],
      [200, true]
    ])
  })

  it('after the client dropped its own connection while the server was still delivering: stored once', async () => {
    sim.faults.queue('latency=300')
    const controller = new AbortController()
    const first = post(message('no-ts-2', true), controller.signal).then(
      () => 'answered',
      () => 'aborted'
    )
    // the server is delivering it (FullStory holds its Idempotency-Key) when the client gives up
    await waitUntil(() => sim.inFlight() === 1, 'the first delivery is under way')
    controller.abort()
    expect(await first).toBe('aborted')
    // sent again at once: it meets the first delivery, still holding its Idempotency-Key (409), then
    // once that has ended it is a replay
    await post(message('no-ts-2', true)).then((response) => response.text())
    await waitUntil(() => sim.inFlight() === 0, 'the first delivery has ended')
    const statuses = await sendUntilAccepted(message('no-ts-2', true))
    expect(statuses.at(-1)).toBe(200)
    expect(sim.events()).toHaveLength(1)
    expect(sim.requests().filter((r) => r.status === 200 && !r.replayed)).toHaveLength(1)
  })
})
