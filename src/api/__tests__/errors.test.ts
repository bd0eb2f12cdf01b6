import nock from 'nock'
import {
  APIError,
  createRequestClient,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError
} from '@segment/actions-core'
import { callFullStory, endpoints, headers } from '../client'
import type { Endpoint } from '../client'
import { failureFromNetworkError, failureFromResponse, redactApiKey, retryAfterSeconds } from '../errors'
import type { Operation } from '../errors'
import { SECRET_PIECE_LENGTH } from '../redact'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.secret-key-that-must-not-leak'
const request = createRequestClient()

async function failureOf(reply: (scope: nock.Interceptor) => nock.Scope, endpoint: Endpoint = endpoints.createEvent) {
  reply(nock(API).post(endpoint.path))
  const error = await callFullStory(request, endpoint, { apiKey, body: Buffer.from('{"name":"x"}') }).then(
    () => undefined,
    (e: Error) => e
  )
  if (!error) throw new Error('expected the call to fail')
  expect(error.message).not.toContain(apiKey)
  expect(error.stack ?? '').not.toContain(apiKey)
  return error as Error & { status?: number; code?: string }
}

describe('callFullStory: FullStory answers -> actions-core errors (docs/troubleshooting.md)', () => {
  it('returns the response on 200, with the exact headers and body', async () => {
    const scope = nock(API, { reqheaders: headers(apiKey, 'k-1') })
      .post('/v2/events', { name: 'x' })
      .reply(200, {})
    const response = await callFullStory(request, endpoints.createEvent, {
      apiKey,
      body: Buffer.from('{"name":"x"}'),
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

  it('an unusual 5xx: retryable, status kept', async () => {
    const error = await failureOf((s) => s.reply(520, 'origin error'))
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(520)
    expect(error.message).toContain('520 "origin error"')
  })

  it('501: APIError, not retried, and says so', async () => {
    const error = await failureOf((s) => s.reply(501, { code: 'not_implemented', message: 'no' }))
    expect(error).toBeInstanceOf(APIError)
    expect(error.status).toBe(501)
    expect(error.message).toBe(
      'FullStory cannot send events this way (FullStory answered 501 not_implemented "no"); it is not retried.'
    )
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
    nock(API).post(endpoints.createEvent.path).delay(2000).reply(200, {})
    const error = await callFullStory(request, endpoints.createEvent, { apiKey, timeoutMs: 50 }).catch(
      (e: RetryableError) => e
    )
    nock.abortPendingRequests()
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as RetryableError).status).toBe(408)
    expect((error as Error).message).toBe(
      'FullStory did not answer in time while trying to send events; Segment will retry.'
    )
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

/** The first piece of `key` SECRET_PIECE_LENGTH characters long that `text` holds, if any. */
function keyPieceIn(text: string, key: string): string | undefined {
  for (let at = 0; at + SECRET_PIECE_LENGTH <= key.length; at++) {
    const piece = key.slice(at, at + SECRET_PIECE_LENGTH)
    if (text.includes(piece)) return piece
  }
  return undefined
}

/** Every field of an error that a person or a log could see. */
function fieldsOf(error: Error & { code?: string; status?: number }): string {
  return JSON.stringify({ message: error.message, code: error.code, status: error.status, stack: error.stack })
}

describe('no API key, nor any 8-character piece of it, in any error field', () => {
  const keyTest = async (reply: (scope: nock.Interceptor) => nock.Scope) => {
    reply(nock(API).get('/me'))
    const error = await callFullStory(request, endpoints.me, { apiKey }).then(
      () => undefined,
      (e: Error) => e as Error & { code?: string; status?: number }
    )
    if (!error) throw new Error('expected the call to fail')
    expect(keyPieceIn(fieldsOf(error), apiKey)).toBeUndefined()
    return error
  }

  it('a FullStory code that is the key: quoted redacted, and not used as the error code', async () => {
    const error = await keyTest((s) => s.reply(400, { code: apiKey, message: 'bad request' }))
    expect(error.code).toBe('BAD_REQUEST')
    expect(error.message).toBe(
      'FullStory rejected the request to check the API key (FullStory answered 400 [redacted API key] ' +
        '"bad request"). Fix the mapping or the event; it is not retried.'
    )
  })

  it.each([
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [422, 'UNPROCESSABLE_ENTITY']
  ])('%i with a code that holds the key: the error code falls back to %s', async (status, fallback) => {
    const error = await keyTest((s) => s.reply(status, { code: `denied_${apiKey}`, message: 'no' }))
    expect(error.code).toBe(fallback)
    expect(error.message).toContain(`${status} denied_[redacted API key] "no"`)
  })

  it('an over-long or odd code is quoted (cut) but not used as the error code', async () => {
    const error = await keyTest((s) => s.reply(400, { code: 'c'.repeat(300), message: 'm' }))
    expect(error.code).toBe('BAD_REQUEST')
    expect(error.message).toContain(`400 ${'c'.repeat(100)}… "m"`)
  })

  it('the key near the end of a long message: redacted before the message is cut', async () => {
    const message = `${'x'.repeat(480)} ${apiKey} ${'y'.repeat(200)}`
    const error = await keyTest((s) => s.reply(400, { code: 'invalid_argument', message }))
    expect(error.code).toBe('invalid_argument')
    expect(error.message).toContain(`"${'x'.repeat(480)} [redacted API key] …"`)
  })

  it('the key straddling the cut: no piece of 8 characters survives', async () => {
    for (let start = 480; start <= 500; start++) {
      const message = `${'x'.repeat(start)}${apiKey}${'z'.repeat(100)}`
      await keyTest((s) => s.reply(400, { code: 'invalid_argument', message }))
    }
  })

  it('pieces of the key (8 characters and more) are redacted; a 7-character piece is not a leak', async () => {
    const message = `a ${apiKey.slice(0, 12)} b ${apiKey.slice(10, 18)} c ${apiKey.slice(-9)} d ${apiKey.slice(20, 27)}`
    const error = await keyTest((s) => s.reply(400, { code: 'invalid_argument', message }))
    expect(error.message).toContain(
      `"a [redacted API key] b [redacted API key] c [redacted API key] d ${apiKey.slice(20, 27)}"`
    )
  })

  it('a 200 KB HTML error page that repeats the key everywhere', async () => {
    const page = `<html>${`<p>key ${apiKey} rejected</p>`.repeat(5000)}</html>`
    const error = await keyTest((s) => s.reply(503, page, { 'Content-Type': 'text/html' }))
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.message).toMatch(
      /^FullStory failed to check the API key \(FullStory answered 503 "<html><p>key \[redacted/
    )
  })

  it('a connection error whose text holds the key: 503, redacted', async () => {
    const error = await keyTest((s) => s.replyWithError(`socket closed after ${apiKey.slice(4)}`))
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(503)
    expect(error.message).toBe(
      'Could not reach FullStory to check the API key (request to https://api.fullstory.com/me failed, reason: socket closed after [redacted API key]); Segment will retry.'
    )
  })
})

describe('redactApiKey', () => {
  const key = 'na1.AbC/dEf+GhI=jKlMnOpQrStUvWxYz0123'

  it.each([
    ['the whole key', `x ${key} y`, 'x [redacted API key] y'],
    ['the key twice, adjacent', `${key}${key}`, '[redacted API key]'],
    ['the key percent-encoded', `u=${encodeURIComponent(key)}&`, 'u=[redacted API key]&'],
    ['an 8-character piece', `p ${key.slice(5, 13)} q`, 'p [redacted API key] q'],
    ['overlapping pieces', `${key.slice(0, 10)}${key.slice(5, 20)}`, '[redacted API key]'],
    ['a 7-character piece (kept)', `p ${key.slice(5, 12)} q`, `p ${key.slice(5, 12)} q`],
    ['no piece', 'nothing to see', 'nothing to see'],
    ['an empty text', '', '']
  ])('%s', (_what, text, expected) => {
    expect(redactApiKey(text, key)).toBe(expected)
  })

  it('the key as sent: surrounding spaces and line breaks do not matter', () => {
    expect(redactApiKey(`x ${key} y`, ` ${key}\r\n`)).toBe('x [redacted API key] y')
  })

  it('a key shorter than 8 characters is redacted whole', () => {
    expect(redactApiKey('a abc12 b abc1', 'abc12')).toBe('a [redacted API key] b abc1')
  })

  it('no key: the text as it is', () => {
    expect(redactApiKey(`x ${key}`, undefined)).toBe(`x ${key}`)
    expect(redactApiKey(`x ${key}`, '  ')).toBe(`x ${key}`)
  })

  it('every piece of 8 characters or more, anywhere in a text, is redacted', () => {
    for (let start = 0; start + SECRET_PIECE_LENGTH <= key.length; start++) {
      for (let end = start + SECRET_PIECE_LENGTH; end <= key.length; end += 5) {
        const text = `before ${key.slice(start, end)} after`
        expect(keyPieceIn(redactApiKey(text, key), key)).toBeUndefined()
      }
    }
  })

  const base64 = (text: string) => Buffer.from(text).toString('base64')
  it.each([
    ['base64-encoded', `token ${base64(key)}`],
    ['base64-encoded as a Basic header would be', `Authorization: Basic ${base64(`${key}:`)}`],
    ['base64-encoded after other bytes', `blob ${base64(`user=42&key=${key}&x=1`)}`],
    ['base64url-encoded', `t=${base64(`x${key}`).replace(/\+/g, '-').replace(/\//g, '_')}`],
    ['hex-encoded', `k=${Buffer.from(key).toString('hex')}`],
    ['hex-encoded in capitals', `K=${Buffer.from(key).toString('hex').toUpperCase()}`],
    ['wrapped at 7 characters', `key:\n${key.match(/.{1,7}/g)?.join('\n')}`],
    ['interleaved with zero-width characters', `key ${key.split('').join('\u200b')}`],
    ['interleaved with soft hyphens and BOMs', `key ${key.split('').join('\u00ad\ufeff')}`]
  ])('the key %s is redacted', (_how, text) => {
    const redacted = redactApiKey(text, key)
    expect(redacted).toContain('[redacted API key]')
    for (const form of [key, base64(key), Buffer.from(key).toString('hex')]) {
      expect(keyPieceIn(redacted.replace(/[\s\u00ad\u200b\ufeff]/g, ''), form)).toBeUndefined()
    }
  })
})

describe('timeouts and key roles', () => {
  it("node-fetch's body timeout (an answer whose body stopped arriving): retryable 408", () => {
    const error = failureFromNetworkError(
      Object.assign(new Error('Response timeout while trying to fetch https://api.fullstory.com/me (over 10ms)'), {
        type: 'body-timeout'
      }),
      'testAuthentication'
    ) as RetryableError
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(408)
    expect(error.message).toBe(
      'FullStory did not answer in time while trying to check the API key; Segment will retry.'
    )
  })

  const forbidden = (operation: Operation) =>
    failureFromResponse(
      {
        status: 403,
        data: { code: 'forbidden', message: 'insufficient permissions' },
        content: '',
        headers: { get: () => null }
      } as never,
      operation
    )

  it('403 on deleting users states both of FullStory’s sources and advises Admin', () => {
    expect(forbidden('deleteUsers').message).toBe(
      'This FullStory API key\'s role may not delete users (FullStory answered 403 forbidden "insufficient permissions"). ' +
        "Use a key with the Admin role: FullStory's developer docs allow Admin or Architect keys to delete users, its " +
        "help centre's user-management article asks for an Admin key."
    )
  })

  it('403 on sending or on the key test', () => {
    expect(forbidden('sendEvents').message).toMatch(
      /may not send events .*Use a key with the Standard, Architect or Admin role\.$/
    )
    expect(forbidden('testAuthentication').message).toMatch(
      /may not check the API key .*Keys of every role \(Standard, Architect, Admin\) may do this/
    )
  })
})
