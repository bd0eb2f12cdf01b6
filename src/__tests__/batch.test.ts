import nock from 'nock'
import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../index'
import { jobSize } from '../api/batch'
import { MAX_JOB_BYTES, MAX_JOB_ROWS } from '../api/limits'
import { expectedDeliveryKey, expectedJobKey } from './__helpers__/expected-keys'

const API = 'https://api.fullstory.com'
const apiKey = 'na1.test-key-0123456789abcdef'
const settings = { apiKey }
// A job whose creation answer already reports it done needs no poll (the follow-up has its own tests).
const job = { id: 'job-42', status: 'COMPLETED', created: '2024-05-01T12:00:00Z' }
const accepted = { job: { id: 'job-42', status: 'COMPLETED' } }

const identify = (i: number, overrides: Partial<SegmentEvent> = {}): SegmentEvent =>
  createTestEvent({
    type: 'identify',
    messageId: `m-${i}`,
    userId: `user-${i}`,
    anonymousId: `anon-${i}`,
    timestamp: '2024-05-01T12:00:00.000Z',
    traits: { name: `User ${i}`, email: `user${i}@example.com`, plan: 'pro' },
    ...overrides
  })

const track = (i: number, overrides: Partial<SegmentEvent> = {}): SegmentEvent =>
  createTestEvent({
    type: 'track',
    event: 'Order Completed',
    messageId: `m-${i}`,
    userId: `user-${i}`,
    anonymousId: `anon-${i}`,
    timestamp: '2024-05-01T12:00:00.000Z',
    context: {},
    properties: { total: i },
    ...overrides
  })

const userRow = (i: number) => ({
  uid: `user-${i}`,
  display_name: `User ${i}`,
  email: `user${i}@example.com`,
  properties: { segmentAnonymousId: `anon-${i}`, name: `User ${i}`, email: `user${i}@example.com`, plan: 'pro' }
})

const eventRow = (i: number) => ({
  name: 'Order Completed',
  timestamp: '2024-05-01T12:00:00.000Z',
  user: { uid: `user-${i}` },
  session: { use_most_recent: true },
  properties: { total: i }
})

const cases = [
  {
    action: 'identifyUser',
    path: '/v2/users/batch',
    kind: 'users' as const,
    event: identify,
    row: userRow as (i: number) => JSONObject,
    // A uid over FullStory's 256 characters passes Segment's schema but is refused by our builder.
    invalid: () => identify(2, { userId: 'u'.repeat(257) }),
    invalidMessage: /^User ID has 257 characters/
  },
  {
    action: 'trackEvent',
    path: '/v2/events/batch',
    kind: 'events' as const,
    event: track,
    row: eventRow as (i: number) => JSONObject,
    // A uid over FullStory's 256 characters.
    invalid: () => track(2, { userId: 'u'.repeat(257) }),
    invalidMessage: /^User ID has 257 characters/
  }
]

describe.each(cases)('$action performBatch', ({ action, path, kind, event, row, invalid, invalidMessage }) => {
  let testDestination = createTestIntegration(definition)
  beforeEach(() => {
    testDestination = createTestIntegration(definition)
  })

  const fiveWithOneInvalid = () => [event(0), event(1), invalid(), event(3), event(4)]
  const validRows = [0, 1, 3, 4].map(row)
  const rowKey = (i: number) => expectedDeliveryKey(`m-${i}`, path, row(i))
  const expectedKey = expectedJobKey(kind, [0, 1, 3, 4].map(rowKey))

  async function runBatch(events: SegmentEvent[], mapping: JSONObject = {}) {
    await testDestination.testBatchAction(action, { events, settings, useDefaultMappings: true, mapping })
    return testDestination.results[0].multistatus ?? []
  }

  it('sends one job with the four valid rows; 400 at the invalid index, 200 with the job id elsewhere', async () => {
    const scope = nock(API)
      .post(path, { requests: validRows })
      .matchHeader('authorization', `Basic ${apiKey}`)
      .matchHeader('integration-source', 'segment')
      .matchHeader('content-type', 'application/json')
      .matchHeader('idempotency-key', expectedKey)
      .reply(200, { job })

    const multistatus = await runBatch(fiveWithOneInvalid())

    expect(scope.isDone()).toBe(true)
    expect(multistatus).toHaveLength(5)
    expect(multistatus[2]).toMatchObject({ status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED' })
    expect((multistatus[2] as { errormessage: string }).errormessage).toMatch(invalidMessage)
    for (const [n, i] of [0, 1, 3, 4].entries()) {
      expect(multistatus[i]).toEqual({
        status: 200,
        sent: JSON.stringify(validRows[n]),
        body: accepted
      })
    }
  })

  it('429 with Retry-After on job creation: 429 at every index, quoting the wait', async () => {
    nock(API)
      .post(path)
      .reply(429, { code: 'too_many_requests', message: 'Too many requests.' }, { 'Retry-After': '30' })
    const multistatus = await runBatch([event(0), event(1), event(2)])
    expect(multistatus).toHaveLength(3)
    for (const entry of multistatus) {
      expect(entry).toMatchObject({ status: 429, errortype: 'TOO_MANY_REQUESTS' })
      expect((entry as { errormessage: string }).errormessage).toContain('after 30 seconds')
    }
  })

  it('500 on job creation: a retryable 500 at every index; the invalid row keeps its own 400', async () => {
    nock(API).post(path).reply(500, { code: 'server_error', message: 'oops' })
    const multistatus = await runBatch(fiveWithOneInvalid())
    expect(multistatus.map((entry) => entry.status)).toEqual([500, 500, 400, 500, 500])
    expect(multistatus[0]).toMatchObject({ errortype: 'INTERNAL_SERVER_ERROR' })
    expect((multistatus[0] as { errormessage: string }).errormessage).toContain('Segment will retry')
  })

  it('401 on job creation: every row says the key was rejected', async () => {
    nock(API).post(path).reply(401, { code: 'unauthorized', message: 'Unauthorized' })
    const multistatus = await runBatch([event(0), event(1)])
    for (const entry of multistatus) {
      expect(entry).toMatchObject({ status: 401, errortype: 'UNAUTHORIZED' })
      expect((entry as { errormessage: string }).errormessage).toContain('FullStory rejected the API key')
      expect((entry as { errormessage: string }).errormessage).not.toContain(apiKey)
    }
  })

  it('the same five events twice give the same Idempotency-Key and the same body', async () => {
    const seen: { key: string; body: string }[] = []
    nock(API)
      .post(path)
      .times(2)
      .reply(function (_uri, body) {
        seen.push({ key: String(this.req.headers['idempotency-key']), body: JSON.stringify(body) })
        return [200, { job }]
      })
    await runBatch(fiveWithOneInvalid())
    testDestination = createTestIntegration(definition)
    await runBatch(fiveWithOneInvalid())
    expect(seen).toHaveLength(2)
    expect(seen[0].key).toBe(expectedKey)
    expect(seen[1]).toEqual(seen[0])
  })

  it('the same rows in another order make the same job: the same body and Idempotency-Key', async () => {
    const seen: string[] = []
    nock(API)
      .post(path)
      .times(2)
      .reply(function (_uri, body) {
        seen.push(`${String(this.req.headers['idempotency-key'])} ${JSON.stringify(body)}`)
        return [200, { job }]
      })
    const first = await runBatch([event(0), event(1), event(3)])
    testDestination = createTestIntegration(definition)
    const second = await runBatch([event(3), event(0), event(1)])
    expect(seen).toHaveLength(2)
    expect(seen[1]).toBe(seen[0])
    expect(second.map((entry) => (entry as { sent?: unknown }).sent)).toEqual(
      [3, 0, 1].map((i) => JSON.stringify(row(i)))
    )
    expect(first.map((entry) => (entry as { sent?: unknown }).sent)).toEqual(
      [0, 1, 3].map((i) => JSON.stringify(row(i)))
    )
  })

  it('sends a message that comes twice in the batch once, and answers every index it holds', async () => {
    const scope = nock(API)
      .post(path, { requests: [row(0), row(1)] })
      .matchHeader('idempotency-key', expectedJobKey(kind, [rowKey(0), rowKey(1)]))
      .reply(200, { job })
    const multistatus = await runBatch([event(0), event(1), event(0)])
    expect(scope.isDone()).toBe(true)
    const answer = (i: number) => ({ status: 200, sent: JSON.stringify(row(i)), body: accepted })
    expect(multistatus).toEqual([answer(0), answer(1), answer(0)])
  })

  it('keeps two rows of one message ID whose bodies differ: they are two deliveries', async () => {
    const scope = nock(API)
      .post(path, { requests: [row(0), row(1)] })
      .reply(200, { job })
    const multistatus = await runBatch([event(0), event(1, { messageId: 'm-0' })])
    expect(scope.isDone()).toBe(true)
    expect(multistatus.map((entry) => entry.status)).toEqual([200, 200])
  })

  it('sends the job without an Idempotency-Key when a row has no key of its own (Idempotency Key unmapped)', async () => {
    const scope = nock(API, { badheaders: ['idempotency-key'] })
      .post(path, { requests: [row(0), row(1)] })
      .reply(200, { job })
    await runBatch([event(0), event(1)], { idempotencyKey: '' })
    expect(scope.isDone()).toBe(true)
  })

  it('other events give another Idempotency-Key', async () => {
    const keys: unknown[] = []
    nock(API)
      .post(path)
      .times(2)
      .reply(function () {
        keys.push(this.req.headers['idempotency-key'])
        return [200, { job }]
      })
    await runBatch([event(0), event(1)])
    testDestination = createTestIntegration(definition)
    await runBatch([event(0), event(5)])
    expect(keys[0]).not.toEqual(keys[1])
  })

  it('Batch Size splits a batch into jobs of that many rows', async () => {
    const jobSizes: number[] = []
    nock(API)
      .post(path)
      .times(3)
      .reply(function (_uri, body) {
        jobSizes.push((body as { requests: unknown[] }).requests.length)
        return [200, { job }]
      })
    await runBatch(
      Array.from({ length: 25 }, (_, i) => event(i)),
      { batch_size: 10 }
    )
    expect(jobSizes).toEqual([10, 10, 5])
  })

  it(`cuts jobs at ${MAX_JOB_BYTES} bytes of body; a row larger than that goes in a job alone`, async () => {
    // Rows of about 1.5 MB (180 values of 8,192 bytes), then one over 4 MiB (long names, 8,192 bytes each).
    const values = (count: number, nameLength: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, n) => [`p${String(n).padStart(nameLength - 1, '0')}`, 'x'.repeat(8192)])
      )
    const large = (i: number, fields: JSONObject) => event(i, { traits: fields, properties: fields })
    const jobs: { rows: number; bytes: number }[] = []
    nock(API)
      .post(path)
      .times(4)
      .reply(function (_uri, body) {
        const bytes = Number(this.req.headers['content-length'])
        jobs.push({ rows: (body as { requests: unknown[] }).requests.length, bytes })
        return [200, { job }]
      })
    const multistatus = await runBatch([
      ...[0, 1, 2, 3, 4].map((i) => large(i, values(180, 4))),
      large(5, values(500, 400))
    ])
    expect(jobs.map((sent) => sent.rows)).toEqual([2, 2, 1, 1])
    expect(jobs.slice(0, 3).every((sent) => sent.bytes <= MAX_JOB_BYTES)).toBe(true)
    expect(jobs[3].bytes).toBeGreaterThan(MAX_JOB_BYTES)
    expect(multistatus.map((entry) => entry.status)).toEqual([200, 200, 200, 200, 200, 200])
  })

  it("refuses a Batch Size above FullStory's 50,000 rows a job", async () => {
    const multistatus = await runBatch([event(0)], { batch_size: MAX_JOB_ROWS + 1 })
    expect(multistatus).toEqual([
      expect.objectContaining({
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: `Batch Size must be equal to or less than ${MAX_JOB_ROWS}.`
      })
    ])
    expect(nock.pendingMocks()).toEqual([])
  })
})

describe('jobSize', () => {
  it(`keeps a job within FullStory's ${MAX_JOB_ROWS} rows, whatever Batch Size says`, () => {
    expect([
      jobSize(undefined),
      jobSize(null),
      jobSize(MAX_JOB_ROWS + 1),
      jobSize(1000),
      jobSize(0),
      jobSize(9.7)
    ]).toEqual([MAX_JOB_ROWS, MAX_JOB_ROWS, MAX_JOB_ROWS, 1000, 1, 9])
  })
})

describe('a job body with non-ASCII text', () => {
  it('holds each row as the exact UTF-8 of its JSON, and keys the rows by that text', async () => {
    const note = 'Größe 名字 😀'
    const rows = [{ ...eventRow(0), properties: { note } }, eventRow(1), { ...eventRow(2), properties: { note } }]
    const expectedBody = JSON.stringify({ requests: rows })
    const rowKeys = rows.map((row, i) => expectedDeliveryKey(`m-${i}`, '/v2/events/batch', row))
    let received: { length?: string; key?: string; body?: string } = {}
    nock(API)
      .post('/v2/events/batch')
      .reply(function (_uri, body) {
        const { headers } = this.req
        const [length, key] = [headers['content-length'], headers['idempotency-key']].map(String)
        received = { length, key, body: JSON.stringify(body) }
        return [200, { job }]
      })
    const testDestination = createTestIntegration(definition)
    await testDestination.testBatchAction('trackEvent', {
      events: [track(0, { properties: { note } }), track(1), track(2, { properties: { note } })],
      settings,
      useDefaultMappings: true
    })
    expect(received).toEqual({
      length: String(Buffer.byteLength(expectedBody, 'utf8')),
      key: expectedJobKey('events', rowKeys),
      body: expectedBody
    })
  })
})
