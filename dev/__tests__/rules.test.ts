import { HttpError } from '../http'
import { allowedHosts } from '../server'
import { redact, redactDeep } from '../server/runtime'
import { jobOutcomes } from '../server/serve'
import { clientRetryStatus, destinationNames, isRetryable, Receipts, sendsTo, skewCorrected } from '../server/tracking'
import { waitBeforeRetry, writeKeyOf } from '../server/tracking'

// The local server's rules, one function at a time.

describe('redact', () => {
  const key = 'na1.AbCdEfGhIjKlMnOp'
  it.each([
    ['the whole key', `key ${key} here`, 'key [redacted] here'],
    ['a piece of 8 characters', 'cut: EfGhIjKl…', 'cut: [redacted]…'],
    ['overlapping pieces, as one run', `${key.slice(0, 12)}-${key.slice(6)}`, '[redacted]-[redacted]'],
    ['7 characters stay (too short to say anything)', 'GhIjKlM', 'GhIjKlM'],
    ['nothing of it', 'all clear', 'all clear']
  ])('%s', (_what, text, expected) => expect(redact(text, [key])).toBe(expected))

  it('a secret shorter than 8 characters is redacted whole, empty ones ignored; redactDeep reaches keys too', () => {
    expect(redact('k=abc12 and abc1', ['abc12', undefined, ''])).toBe('k=[redacted] and abc1')
    expect(redactDeep({ a: [key, { [key]: 1 }], n: 2 }, [key])).toEqual({
      a: ['[redacted]', { '[redacted]': 1 }],
      n: 2
    })
  })
})

describe('timestamps (Segment Spec: Timestamps) and receipts', () => {
  const receivedAt = '2024-05-01T12:00:00.000Z'
  const t0 = Date.parse(receivedAt)
  const message = (fields: Record<string, unknown>) => ({ type: 'track', ...fields })
  it.each([
    [
      'timestamp given: kept',
      { timestamp: '2024-01-01T00:00:00Z', originalTimestamp: '2020-01-01T00:00:00Z' },
      undefined,
      '2024-01-01T00:00:00Z'
    ],
    [
      'receivedAt - (sentAt - originalTimestamp)',
      { originalTimestamp: '2024-05-01T12:09:55Z', sentAt: '2024-05-01T12:10:00Z' },
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
    const first = receipts.stamp(message({ messageId: 'm1' }), 'w', undefined, t0)
    expect(first).toEqual({ type: 'track', messageId: 'm1', receivedAt, timestamp: receivedAt, channel: 'server' })
    expect(receipts.stamp(message({ messageId: 'm1' }), 'w', undefined, t0 + 60_000)).toEqual(first)
    expect(receipts.stamp(message({ messageId: 'm1' }), 'other', undefined, t0 + 60_000).timestamp).toBe(
      '2024-05-01T12:01:00.000Z'
    )
    expect(new Receipts().stamp(message({}), 'w').messageId).toMatch(/^api-[0-9a-f-]{36}$/)
  })

  it('receipts are forgotten after 24 hours, and beyond their capacity (oldest first)', () => {
    const receipts = new Receipts(2)
    const stamp = (id: string, at: number) => receipts.stamp(message({ messageId: id }), 'w', undefined, at).receivedAt
    stamp('a', t0)
    expect(stamp('a', t0 + 24 * 3600_000 + 1)).not.toBe(receivedAt)
    for (const id of ['b', 'c', 'd']) stamp(id, t0)
    expect([stamp('b', t0 + 1000), stamp('d', t0 + 1000)]).toEqual(['2024-05-01T12:00:01.000Z', receivedAt])
  })
})

describe('integrations', () => {
  const names = destinationNames({ name: 'Fullstory Cloud Mode (Actions)', slug: 'actions-fullstory-cloud' })
  it("knows both spellings of the destination's name and its slug", () => {
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
  ])('%j: %s', (integrations, expected) => expect(sendsTo(integrations, names)).toBe(expected))
})

describe('the write key', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`
  it.each([
    ['Basic', basic('key1:'), 'key1'],
    ['lowercase basic', basic('key1:').replace('Basic', 'basic'), 'key1'],
    ['without the colon', basic('key1'), 'key1'],
    ['a password is ignored', basic('key1:pw'), 'key1']
  ])('%s', (_what, header, key) => expect(writeKeyOf(header, {})).toBe(key))

  it.each([
    ['not base64', 'Basic a$b='],
    ['missing padding', 'Basic a2V5MTo'],
    ['padding in the middle', 'Basic a2=V5MTo='],
    ['nothing after the scheme', 'Basic ']
  ])('%s: 401', (_what, header) => expect(() => writeKeyOf(header, {})).toThrow(HttpError))

  it("another scheme (Bearer) leaves the body's writeKey to decide", () => {
    expect(writeKeyOf('Bearer token', { writeKey: 'from-body' })).toBe('from-body')
    expect(() => writeKeyOf('Bearer token', {})).toThrow('Send the source write key')
  })
})

describe('retries', () => {
  it('waits 250 ms, then 1 s, then gives up; a short Retry-After is followed, a long one is not', () => {
    const policy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2000 }
    expect([1, 2, 3].map((attempt) => waitBeforeRetry(policy, attempt))).toEqual([250, 1000, undefined])
    expect([waitBeforeRetry(policy, 1, 2), waitBeforeRetry(policy, 1, 3)]).toEqual([2000, undefined])
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
    expect([isRetryable(status), clientRetryStatus(status)]).toEqual([retryable, answered])
  })
})

it('hosts answered: the loopback names with the port; HOST when it names an address; never a wildcard', () => {
  const loopback = ['localhost:3000', '127.0.0.1:3000', '[::1]:3000']
  for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1']) expect([...allowedHosts(host, 3000)]).toEqual(loopback)
  expect([
    allowedHosts('devbox.local', 3000).has('devbox.local:3000'),
    allowedHosts('127.0.0.1', 80).has('localhost')
  ]).toEqual([true, true])
})

describe('batch import job outcomes, from a multistatus as the destination answers it', () => {
  const job = (id: string, status: string) => ({ job: { id, status } })
  const sent = { name: 'E' }
  it('one line per job: its status, rows accepted, refused (index and FullStory code) and pending (not reported on)', () => {
    const refused = (code: string) => ({
      status: 400,
      errortype: 'BAD_REQUEST',
      errormessage: `FullStory refused this row of batch import job j-1: ${code} "bad"`,
      sent,
      body: { ...job('j-1', 'FAILED'), code, message: 'bad' }
    })
    const multistatus = [
      { status: 200, sent, body: job('j-1', 'FAILED') },
      refused('invalid_argument'),
      { status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED', errormessage: 'User ID is required' },
      { status: 200, sent, body: job('j-1', 'FAILED') },
      refused('event_validation_failed'),
      {
        status: 200,
        sent,
        body: { ...job('j-2', 'PROCESSING'), note: 'FullStory has accepted the job and not yet reported on it' }
      },
      { status: 200, sent, body: job('j-3', 'COMPLETED') },
      // a note on a row of a job FullStory reported on: imported all the same
      {
        status: 200,
        sent,
        body: {
          ...job('j-3', 'COMPLETED'),
          note: 'The event has no User ID, so FullStory records it under a new anonymous user.'
        }
      }
    ]
    expect(jobOutcomes(multistatus)).toEqual([
      'job j-1 FAILED: 2 accepted, 2 refused ([1] invalid_argument, [4] event_validation_failed), 0 pending',
      'job j-2 PROCESSING: 0 accepted, 0 refused, 1 pending',
      'job j-3 COMPLETED: 2 accepted, 0 refused, 0 pending'
    ])
    expect(jobOutcomes([{ status: 400, errormessage: 'nested too deep' }, undefined])).toEqual([])
  })
})
