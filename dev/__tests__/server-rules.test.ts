import { HttpError } from '../server/errors'
import { allowedHosts } from '../server/guards'
import { redact, redactDeep } from '../server/redact'
import { destinationNames, sendsTo } from '../server/tracking/integrations'
import type { Message } from '../server/tracking/message'
import { clientRetryStatus, isRetryable, waitBeforeRetry } from '../server/tracking/retry'
import { Receipts, skewCorrected } from '../server/tracking/timestamps'
import { writeKeyOf } from '../server/tracking/write-key'

// The local server's rules, one function at a time: redaction, timestamps and receipts,
// integrations, the write key, retries, the hosts it answers.

describe('redact', () => {
  const key = 'na1.AbCdEfGhIjKlMnOp'

  it.each([
    ['the whole key', `key ${key} here`, 'key [redacted] here'],
    ['a piece of 8 characters', 'cut: EfGhIjKl…', 'cut: [redacted]…'],
    ['overlapping pieces, as one run', `${key.slice(0, 12)}-${key.slice(6)}`, '[redacted]-[redacted]'],
    ['7 characters stay (too short to say anything)', 'GhIjKlM', 'GhIjKlM'],
    ['nothing of it', 'all clear', 'all clear']
  ])('%s', (_what, text, expected) => {
    expect(redact(text, [key])).toBe(expected)
  })

  it('a secret shorter than 8 characters is redacted whole; empty secrets are ignored', () => {
    expect(redact('k=abc12 and abc1', ['abc12', undefined, ''])).toBe('k=[redacted] and abc1')
  })

  it('redactDeep reaches every string, keys included', () => {
    expect(redactDeep({ a: [key, { [key]: 1 }], n: 2 }, [key])).toEqual({
      a: ['[redacted]', { '[redacted]': 1 }],
      n: 2
    })
  })
})

describe('timestamps (Segment Spec: Timestamps)', () => {
  const receivedAt = '2024-05-01T12:00:00.000Z'
  const message = (fields: Record<string, unknown>): Message => ({ type: 'track', ...fields })

  it.each([
    [
      'timestamp given: kept',
      { timestamp: '2024-01-01T00:00:00Z', originalTimestamp: '2020-01-01T00:00:00Z' },
      undefined,
      '2024-01-01T00:00:00Z'
    ],
    [
      'receivedAt - (sentAt - originalTimestamp)',
      { originalTimestamp: '2024-05-01T12:09:55.000Z', sentAt: '2024-05-01T12:10:00.000Z' },
      undefined,
      '2024-05-01T11:59:55.000Z'
    ],
    [
      "the batch's sentAt",
      { originalTimestamp: '2024-05-01T11:00:00.000Z' },
      '2024-05-01T11:00:30.000Z',
      '2024-05-01T11:59:30.000Z'
    ],
    [
      'originalTimestamp without sentAt',
      { originalTimestamp: '2024-05-01T11:00:00Z' },
      undefined,
      '2024-05-01T11:00:00.000Z'
    ],
    ['neither: receivedAt', {}, '2024-05-01T11:00:30.000Z', receivedAt]
  ])('%s', (_what, fields, batchSentAt, expected) => {
    expect(skewCorrected(message(fields), receivedAt, batchSentAt)).toBe(expected)
  })

  it('a message received again (same write key and messageId) gets its first receipt; another write key does not', () => {
    const receipts = new Receipts()
    const t0 = Date.parse(receivedAt)
    const first = receipts.stamp(message({ messageId: 'm1' }), 'w', undefined, t0)
    const again = receipts.stamp(message({ messageId: 'm1' }), 'w', undefined, t0 + 60_000)
    const otherSource = receipts.stamp(message({ messageId: 'm1' }), 'other', undefined, t0 + 60_000)
    expect(first).toEqual({ type: 'track', messageId: 'm1', receivedAt, timestamp: receivedAt, channel: 'server' })
    expect(again).toEqual(first)
    expect(otherSource.timestamp).toBe('2024-05-01T12:01:00.000Z')
  })

  it('receipts are forgotten after 24 hours, and beyond their capacity (oldest first)', () => {
    const receipts = new Receipts(2)
    const t0 = Date.parse(receivedAt)
    receipts.stamp(message({ messageId: 'a' }), 'w', undefined, t0)
    expect(receipts.stamp(message({ messageId: 'a' }), 'w', undefined, t0 + 24 * 3600_000 + 1).receivedAt).not.toBe(
      receivedAt
    )
    receipts.stamp(message({ messageId: 'b' }), 'w', undefined, t0)
    receipts.stamp(message({ messageId: 'c' }), 'w', undefined, t0)
    receipts.stamp(message({ messageId: 'd' }), 'w', undefined, t0)
    expect(receipts.stamp(message({ messageId: 'b' }), 'w', undefined, t0 + 1000).receivedAt).toBe(
      '2024-05-01T12:00:01.000Z'
    )
    expect(receipts.stamp(message({ messageId: 'd' }), 'w', undefined, t0 + 1000).receivedAt).toBe(receivedAt)
  })

  it('a message without messageId gets api-<uuid>', () => {
    expect(new Receipts().stamp(message({}), 'w').messageId).toMatch(/^api-[0-9a-f-]{36}$/)
  })
})

describe('integrations', () => {
  const names = destinationNames({ name: 'FullStory Cloud Mode (Actions)', slug: 'actions-fullstory-cloud' })

  it("knows the destination's name, Segment's catalog spelling and its slug", () => {
    expect(names).toEqual([
      'FullStory Cloud Mode (Actions)',
      'Fullstory Cloud Mode (Actions)',
      'actions-fullstory-cloud'
    ])
  })

  it.each([
    [undefined, true],
    [{}, true],
    [{ All: false }, false],
    [{ All: false, 'Fullstory Cloud Mode (Actions)': true }, true],
    [{ All: false, 'FullStory Cloud Mode (Actions)': { some: 'option' } }, true],
    [{ 'actions-fullstory-cloud': false }, false],
    [{ All: true, 'FullStory Cloud Mode (Actions)': false }, false],
    [{ 'FULLSTORY CLOUD MODE (ACTIONS)': false }, true]
  ])('%j: %s', (integrations, expected) => {
    expect(sendsTo(integrations, names)).toBe(expected)
  })
})

describe('the write key', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`

  it.each([
    ['Basic', basic('key1:'), 'key1'],
    ['lowercase basic', basic('key1:').replace('Basic', 'basic'), 'key1'],
    ['without the colon', basic('key1'), 'key1'],
    ['a password is ignored', basic('key1:pw'), 'key1']
  ])('%s', (_what, header, key) => {
    expect(writeKeyOf(header, {})).toBe(key)
  })

  it.each([
    ['not base64', 'Basic a$b='],
    ['missing padding', 'Basic a2V5MTo'],
    ['padding in the middle', 'Basic a2=V5MTo='],
    ['nothing after the scheme', 'Basic ']
  ])('%s: 401', (_what, header) => {
    expect(() => writeKeyOf(header, {})).toThrow(HttpError)
  })

  it("another scheme (Bearer) leaves the body's writeKey to decide", () => {
    expect(writeKeyOf('Bearer token', { writeKey: 'from-body' })).toBe('from-body')
    expect(() => writeKeyOf('Bearer token', {})).toThrow('Send the source write key')
  })
})

describe('retries', () => {
  const policy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2000 }

  it('waits 250 ms, then 1 s, then gives up; a short Retry-After is followed, a long one is not', () => {
    expect([1, 2, 3].map((attempt) => waitBeforeRetry(policy, attempt))).toEqual([250, 1000, undefined])
    expect(waitBeforeRetry(policy, 1, 2)).toBe(2000)
    expect(waitBeforeRetry(policy, 1, 3)).toBeUndefined()
  })

  it.each([
    [408, true, 408],
    [423, true, 503],
    [429, true, 429],
    [500, true, 500],
    [501, false, 503],
    [503, true, 503],
    [505, true, 503],
    [400, false, 503],
    [404, false, 503]
  ])('%d: retryable %s; answered to a client as %d', (status, retryable, answered) => {
    expect(isRetryable(status)).toBe(retryable)
    expect(clientRetryStatus(status)).toBe(answered)
  })
})

describe('hosts answered', () => {
  it('the loopback names with the port; HOST when it names an address; never a wildcard', () => {
    expect([...allowedHosts('127.0.0.1', 3000)]).toEqual(['localhost:3000', '127.0.0.1:3000', '[::1]:3000'])
    expect([...allowedHosts('0.0.0.0', 3000)]).toEqual(['localhost:3000', '127.0.0.1:3000', '[::1]:3000'])
    expect([...allowedHosts('::', 3000)]).toEqual(['localhost:3000', '127.0.0.1:3000', '[::1]:3000'])
    expect([...allowedHosts('::1', 3000)]).toEqual(['localhost:3000', '127.0.0.1:3000', '[::1]:3000'])
    expect(allowedHosts('devbox.local', 3000).has('devbox.local:3000')).toBe(true)
    expect(allowedHosts('127.0.0.1', 80).has('localhost')).toBe(true)
  })
})
