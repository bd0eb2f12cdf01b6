import nock from 'nock'
import {
  APIError,
  createRequestClient,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError
} from '@segment/actions-core'
import { authHeaders, callFullStory, endpoints, type Endpoint } from '../api'
import { retryAfterSeconds } from '../errors'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.secret-key-that-must-not-leak'
const request = createRequestClient({ headers: authHeaders(apiKey) })

async function failureOf(reply: (scope: nock.Interceptor) => nock.Scope, endpoint: Endpoint = endpoints.createEvent) {
  reply(nock(API).post(endpoint.path))
  const error = await callFullStory(request, endpoint, { apiKey, json: { name: 'x' } }).then(
    () => undefined,
    (e: Error) => e
  )
  if (!error) throw new Error('expected the call to fail')
  expect(error.message).not.toContain(apiKey)
  expect(error.stack ?? '').not.toContain(apiKey)
  return error as Error & { status?: number; code?: string }
}

describe('callFullStory: FullStory answers -> actions-core errors (design.md section 6)', () => {
  it('returns the response on 200, with the exact headers and body', async () => {
    const scope = nock(API, { reqheaders: { ...authHeaders(apiKey), 'idempotency-key': 'k-1' } })
      .post('/v2/events', { name: 'x' })
      .reply(200, {})
    const response = await callFullStory(request, endpoints.createEvent, {
      apiKey,
      json: { name: 'x' },
      idempotencyKey: 'k-1'
    })
    expect(response.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  it('400: IntegrationError with FullStory code and message, not retried', async () => {
    const error = await failureOf((s) =>
      s.reply(400, { code: 'invalid_argument', message: 'events must have a non-empty name' })
    )
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_argument')
    expect(error.message).toBe(
      'FullStory rejected the request to send events (FullStory answered 400 invalid_argument "events must have a non-empty name"). Fix the mapping or the event; it is not retried.'
    )
  })

  it('401: InvalidAuthenticationError saying the key was rejected', async () => {
    const error = await failureOf((s) => s.reply(401, { code: 'unauthorized', message: 'Unauthorized' }))
    expect(error).toBeInstanceOf(InvalidAuthenticationError)
    expect(error.status).toBe(401)
    expect(error.message).toMatch(
      /^FullStory rejected the API key \(FullStory answered 401 unauthorized "Unauthorized"\)/
    )
  })

  it('403 on sending: names the roles that may send', async () => {
    const error = await failureOf((s) => s.reply(403, { code: 'forbidden', message: 'no' }), endpoints.createUser)
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error.status).toBe(403)
    expect(error.code).toBe('forbidden')
    expect(error.message).toContain('may not send users')
    expect(error.message).toContain('Standard, Architect or Admin')
  })

  it('404 user_not_found: troubleshooting text (never identified, or key of another org)', async () => {
    const error = await failureOf((s) =>
      s.reply(404, { code: 'user_not_found', message: 'User with that ID does not exist' })
    )
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error.status).toBe(404)
    expect(error.code).toBe('user_not_found')
    expect(error.message).toContain('404 user_not_found "User with that ID does not exist"')
    expect(error.message).toContain('Identify User first')
    expect(error.message).toContain('belongs to the FullStory org')
  })

  it('409 (an Idempotency-Key still in use, UNCONFIRMED): retryable, sent on as 423', async () => {
    const error = await failureOf((s) =>
      s.reply(409, { code: 'idempotency_key_in_use', message: 'A request with this key is in progress' })
    )
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(423)
    expect(error.message).toBe(
      'FullStory reported a conflict (FullStory answered 409 idempotency_key_in_use "A request with this key is in progress"), most likely an earlier attempt of this request still in progress under the same Idempotency-Key; Segment will retry.'
    )
  })

  it('429 with Retry-After: 7: retryable, and the message says 7 seconds', async () => {
    const error = await failureOf((s) =>
      s.reply(429, { code: 'too_many_requests', message: 'Too many requests.' }, { 'Retry-After': '7' })
    )
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(429)
    expect(error.message).toContain('after 7 seconds')
    expect(error.message).toContain('429 too_many_requests')
  })

  it('429 without Retry-After: still retryable', async () => {
    const error = await failureOf((s) => s.reply(429, { code: 'too_many_requests', message: 'slow down' }))
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.message).toContain('retry later')
  })

  it.each([500, 502, 503, 504])('%i: retryable, status kept', async (status) => {
    const error = await failureOf((s) => s.reply(status, { code: 'server_error', message: 'oops' }))
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(status)
    expect(error.message).toContain(`FullStory answered ${status} server_error "oops"`)
  })

  it('501 and unusual 5xx: APIError keeping the status', async () => {
    const error = await failureOf((s) => s.reply(520, 'origin error'))
    expect(error).toBeInstanceOf(APIError)
    expect(error.status).toBe(520)
    expect(error.message).toContain('520 "origin error"')
  })

  it('an answer that is not JSON is still quoted', async () => {
    const error = await failureOf((s) => s.reply(400, '<html>bad gateway</html>', { 'Content-Type': 'text/html' }))
    expect(error.message).toContain('400 "<html>bad gateway</html>"')
  })

  it('a huge FullStory message is cut, not repeated whole', async () => {
    const error = await failureOf((s) => s.reply(400, { code: 'invalid_argument', message: 'x'.repeat(5000) }))
    expect(error.message.length).toBeLessThan(800)
  })

  it('a FullStory message that echoes the API key is redacted', async () => {
    const error = await failureOf((s) => s.reply(400, { code: 'invalid_argument', message: `bad key ${apiKey}` }))
    expect(error.message).toContain('[redacted API key]')
  })

  it('a timeout: retryable 408', async () => {
    process.env.FULLSTORY_TIMEOUT_MS = '50'
    try {
      const error = await failureOf((s) => s.delay(500).reply(200, {}))
      expect(error).toBeInstanceOf(RetryableError)
      expect(error.status).toBe(408)
      expect(error.message).toBe('FullStory did not answer in time while trying to send events; Segment will retry.')
    } finally {
      delete process.env.FULLSTORY_TIMEOUT_MS
    }
  })

  it('a connection reset: retryable 503 naming the cause', async () => {
    const error = await failureOf((s) =>
      s.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    )
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(503)
    expect(error.message).toBe('Could not reach FullStory to send events (ECONNRESET); Segment will retry.')
  })
})

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterSeconds('7')).toBe(7)
    expect(retryAfterSeconds(' 0 ')).toBe(0)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30)
    expect(retryAfterSeconds('soon')).toBeUndefined()
    expect(retryAfterSeconds(null)).toBeUndefined()
  })
})
