import { createServer } from 'http'
import type { ServerResponse } from 'http'
import type { AddressInfo, Socket } from 'net'
import nock from 'nock'
import { createRequestClient, Destination, RetryableError } from '@segment/actions-core'
import type { JSONObject, RequestClient, RequestOptions, SegmentEvent } from '@segment/actions-core'
import definition from '../../index'
import { callFullStory, endpoints, headers } from '../client'
import { MAX_ANSWER_BYTES } from '../limits'

// Every FullStory answer settles within the request timeout, whatever its size and content type, on
// every call path: both actions' perform, performBatch, testAuthentication and onDelete. actions-core
// reads a clone of each answer unless told not to (`skipResponseCloning`), and node-fetch stalls a
// clone once the unread original holds its buffer's worth (16 KiB under nock, about 64 KiB over a
// socket: test/e2e/faults.test.ts), so the 200 KB answers below never settled before.

const API = 'https://api.fullstory.com'
const apiKey = 'na1.api-test-key-5b0d9e7c21'
/** How long a test waits for a call before calling it hung (the call itself ends within the request timeout). */
const HANG_MS = 4_000
const LARGE = 200 * 1024

const html = `<!doctype html><html><head><title>502</title></head><body>${'<p>upstream error</p>'.repeat(
  Math.ceil(LARGE / 20)
)}</body></html>`
const padding = 'x'.repeat(LARGE)

/** The presets (or the one of `action`) as subscriptions, as Segment's pipeline hands them over. */
function settings(batch = false, action?: string): JSONObject {
  const presets = (definition.presets ?? []).filter((preset) => !action || preset.partnerAction === action)
  const subscriptions = presets.map((preset) => {
    if (!('subscribe' in preset)) throw new Error(`preset ${preset.name} has no subscribe`)
    const mapping = { ...(preset.mapping as JSONObject), ...(batch ? { enable_batching: true } : {}) }
    return { subscribe: preset.subscribe, partnerAction: preset.partnerAction, mapping }
  })
  return { apiKey, subscriptions } as unknown as JSONObject
}

const identify: SegmentEvent = {
  type: 'identify',
  userId: 'user-1',
  messageId: 'msg-api-1',
  timestamp: '2024-05-01T12:00:00.000Z',
  traits: { plan: 'pro' }
}
const track: SegmentEvent = {
  type: 'track',
  userId: 'user-1',
  event: 'Order Completed',
  messageId: 'msg-api-2',
  timestamp: '2024-05-01T12:00:00.000Z',
  properties: { total: 1 }
}

type Outcome = { value: unknown; error?: undefined } | { error: Error & { status?: number; code?: string } }

/** What `work` resolves or rejects with; fails the test if it has not settled within HANG_MS. */
async function settle(work: () => Promise<unknown>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the call did not settle within ${HANG_MS} ms`)), HANG_MS)
  })
  try {
    return await Promise.race([
      work().then(
        (value) => ({ value }),
        (error: Error) => ({ error })
      ),
      hung
    ])
  } finally {
    clearTimeout(timer)
  }
}

interface CallPath {
  name: string
  method: 'get' | 'post' | 'delete'
  path: string | RegExp
  /** A 200 body FullStory could send on this path, padded to LARGE bytes. */
  ok: JSONObject
  run(): Promise<unknown>
  /** The error the destination reports when FullStory fails; for a batch, each row's entry. */
  failure(outcome: Outcome): { status?: number; message: string }
}

const destination = new Destination(definition)
const job = { id: 'job-1', status: 'COMPLETED', created: '2024-05-01T12:00:00Z' }

function thrown(outcome: Outcome) {
  if (!outcome.error) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`)
  return outcome.error
}

function batchEntries(outcome: Outcome): { status: number; errormessage?: string; body?: unknown }[] {
  if (outcome.error) throw outcome.error
  return (outcome.value as { multistatus: { status: number; errormessage?: string; body?: unknown }[] }[])[0]
    .multistatus
}

const PATHS: CallPath[] = [
  {
    name: 'Identify User (perform)',
    method: 'post',
    path: '/v2/users',
    ok: { id: 'fs-user-1', padding },
    run: () => destination.onEvent(identify, settings()),
    failure: thrown
  },
  {
    name: 'Track Custom Event (perform)',
    method: 'post',
    path: '/v2/events',
    ok: { padding },
    run: () => destination.onEvent(track, settings()),
    failure: thrown
  },
  {
    name: 'Identify User (performBatch)',
    method: 'post',
    path: '/v2/users/batch',
    ok: { job, padding },
    run: () =>
      destination.onBatch(
        [identify, { ...identify, messageId: 'msg-api-3', userId: 'user-3' }],
        settings(true, 'identifyUser')
      ),
    failure: (outcome) => {
      const entries = batchEntries(outcome)
      expect(entries).toHaveLength(2)
      expect(entries[1]).toEqual(entries[0])
      return { status: entries[0].status, message: entries[0].errormessage ?? '' }
    }
  },
  {
    name: 'Track Custom Event (performBatch)',
    method: 'post',
    path: '/v2/events/batch',
    ok: { job, padding },
    run: () => destination.onBatch([track, { ...track, messageId: 'msg-api-4' }], settings(true, 'trackEvent')),
    failure: (outcome) => {
      const entries = batchEntries(outcome)
      expect(entries).toHaveLength(2)
      expect(entries[1]).toEqual(entries[0])
      return { status: entries[0].status, message: entries[0].errormessage ?? '' }
    }
  },
  {
    name: 'testAuthentication',
    method: 'get',
    path: '/me',
    ok: { email: 'admin@example.com', orgId: 'o-1-na1', role: 'ADMIN', padding },
    run: () => destination.testAuthentication({ apiKey }),
    // actions-core rewrites it: `Credentials are invalid: <status> <our message>`
    failure: (outcome) => ({ message: thrown(outcome).message.replace(/^Credentials are invalid: \s*/, '') })
  },
  {
    name: 'onDelete',
    method: 'delete',
    path: '/v2/users?uid=user-1',
    ok: { padding },
    run: () =>
      (destination.onDelete as NonNullable<Destination['onDelete']>)(
        { type: 'delete', userId: 'user-1' } as SegmentEvent,
        { apiKey }
      ),
    failure: thrown
  }
]

const doing: Record<string, string> = {
  '/v2/users': 'send users',
  '/v2/events': 'send events',
  '/v2/users/batch': 'send users',
  '/v2/events/batch': 'send events',
  '/me': 'check the API key',
  '/v2/users?uid=user-1': 'delete users'
}

function intercept(path: CallPath) {
  return nock(API, { reqheaders: { authorization: headers(apiKey).Authorization } })[path.method](path.path)
}

describe.each(PATHS)('$name', (path) => {
  it(`a 500 with a ${LARGE / 1024} KB HTML page: a retryable 500 quoting its first 500 characters`, async () => {
    const scope = intercept(path).reply(500, html, { 'Content-Type': 'text/html; charset=utf-8' })
    const outcome = await settle(() => path.run())
    const failure = path.failure(outcome)
    if (outcome.error && path.name !== 'testAuthentication') {
      expect(outcome.error).toBeInstanceOf(RetryableError)
    }
    if (path.name !== 'testAuthentication') expect(failure.status ?? outcome.error?.status).toBe(500)
    expect(failure.message).toBe(
      `FullStory failed to ${doing[path.path as string]} (FullStory answered 500 "${html.slice(0, 500)}…"); ` +
        'Segment will retry.'
    )
    expect(scope.isDone()).toBe(true)
  })

  it(`a 200 with a ${LARGE / 1024} KB JSON body: success`, async () => {
    const scope = intercept(path).reply(200, path.ok, { 'Content-Type': 'application/json' })
    const outcome = await settle(() => path.run())
    if (outcome.error) throw outcome.error
    if (path.path === '/v2/users/batch' || path.path === '/v2/events/batch') {
      expect(batchEntries(outcome).map((entry) => [entry.status, entry.body])).toEqual([
        [200, { job: { id: job.id, status: job.status } }],
        [200, { job: { id: job.id, status: job.status } }]
      ])
    }
    expect(scope.isDone()).toBe(true)
  })
})

describe('the request itself: no redirect followed, the socket closed at the deadline, bounded answers', () => {
  it.each([301, 302, 303, 307, 308])(
    'a %i is a retryable 502 naming the host only; nothing follows it',
    async (status) => {
      const elsewhere = nock('https://elsewhere.example').post(/.*/).reply(200, {}).get(/.*/).reply(200, {})
      nock(API).post('/v2/events').reply(status, '', { Location: 'https://elsewhere.example/v2/events?key=1' })
      const error = await destination.onEvent(track, settings(false, 'trackEvent')).catch((e: RetryableError) => e)
      expect(error).toBeInstanceOf(RetryableError)
      expect((error as RetryableError).status).toBe(502)
      expect((error as Error).message).toBe(
        `FullStory's API answered ${status} redirecting to elsewhere.example while trying to send events; its API ` +
          'never redirects, so nothing was sent there (a proxy or DNS entry between Segment and FullStory may be ' +
          'answering instead); Segment will retry.'
      )
      expect(elsewhere.pendingMocks()).toHaveLength(2)
    }
  )

  /** A loopback server that answers as `answer` says, counting its open sockets. */
  async function loopback(answer: (res: ServerResponse) => void) {
    const sockets = new Set<Socket>()
    let opened = 0
    const server = createServer((_req, res) => answer(res))
    server.on('connection', (socket) => {
      opened++
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // The destination's request client, sending to this server instead of FullStory's host.
    const client = createRequestClient()
    const request = ((target: string, options: RequestOptions) =>
      client(target.replace(API, url), options)) as RequestClient
    const close = () => new Promise((resolve) => server.close(resolve))
    return { sockets, request, close, opened: () => opened }
  }

  /** Waits until `condition` holds, for at most 2 seconds. */
  async function until(condition: () => boolean, what: string) {
    for (const deadline = Date.now() + 2000; !condition(); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  it('keeps connections alive: calls one after the other share one socket', async () => {
    const server = await loopback((res) => res.end('{}'))
    try {
      for (let i = 0; i < 5; i++) await callFullStory(server.request, endpoints.me, { apiKey })
      expect(server.opened()).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('an answer that never ends: 408 at the deadline, and its socket is closed', async () => {
    const server = await loopback((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"padding":"')
    })
    try {
      // A shorter deadline than REQUEST_TIMEOUT_MS, the one every call has, so the test need not wait 10 s.
      const error = await callFullStory(server.request, endpoints.me, { apiKey, timeoutMs: 100 }).catch(
        (e: RetryableError) => e
      )
      expect((error as RetryableError).status).toBe(408)
      expect((error as Error).message).toBe(
        'FullStory did not answer in time while trying to check the API key; Segment will retry.'
      )
      await until(() => server.sockets.size === 0, 'the socket closes')
    } finally {
      await server.close()
    }
  })

  it(`an answer over ${MAX_ANSWER_BYTES} bytes is not read: a retryable 502, and its socket is closed`, async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x')
    let sent = 0
    const server = await loopback((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      const more = () => {
        while (sent < 64 * chunk.length && res.write(chunk)) sent += chunk.length
        if (sent < 64 * chunk.length) res.once('drain', more)
        else res.end()
      }
      more()
    })
    try {
      const error = await callFullStory(server.request, endpoints.me, { apiKey }).catch((e: RetryableError) => e)
      expect((error as RetryableError).status).toBe(502)
      expect((error as Error).message).toBe(
        `FullStory's answer while trying to check the API key was larger than ${MAX_ANSWER_BYTES} bytes, so it ` +
          'was not read; Segment will retry.'
      )
      await until(() => server.sockets.size === 0, 'the socket closes')
      expect(sent).toBeLessThan(64 * chunk.length)
    } finally {
      await server.close()
    }
  })
})
