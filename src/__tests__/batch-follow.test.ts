import nock from 'nock'
import { createRequestClient, createTestEvent, Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../index'
import { FOLLOW, sendBatch as sendJobs } from '../api/batch'
import { eventRequest } from '../api/events'

// After FullStory accepts a batch import job, the destination follows it: status with backoff, then
// the pages of its errors, and answers each row FullStory refused on its own (docs/rules.md#send-in-batches-and-batch-size).

const API = 'https://api.fullstory.com'
const apiKey = 'na1.follow-test-key-0123456789'

const track = (i: number): SegmentEvent =>
  createTestEvent({
    type: 'track',
    event: 'Order Completed',
    messageId: `m-${i}`,
    userId: `user-${i}`,
    timestamp: '2024-05-01T12:00:00.000Z',
    context: {},
    properties: { total: i }
  })

const row = (i: number) => ({
  name: 'Order Completed',
  timestamp: '2024-05-01T12:00:00.000Z',
  user: { uid: `user-${i}` },
  session: { use_most_recent: true },
  properties: { total: i }
})

const settings = {
  apiKey,
  subscriptions: [
    {
      subscribe: 'type = "track"',
      partnerAction: 'trackEvent',
      mapping: {
        ...(definition.presets?.find((preset) => preset.partnerAction === 'trackEvent')?.mapping as JSONObject),
        enable_batching: true
      }
    }
  ]
} as unknown as JSONObject

type Entry = { status: number; body?: unknown; errormessage?: string; sent?: string }

/** The follow-up's waits, shortened: the same steps as FOLLOW (250 ms doubling within 5 s), 25 times faster. */
const FAST = { budgetMs: 200, firstPollMs: 10 }

/** Four tracks' payloads as Track Custom Event's default mapping gives them. */
const payloads = [0, 1, 2, 3].map((i) => ({
  name: 'Order Completed',
  userId: `user-${i}`,
  timestamp: '2024-05-01T12:00:00.000Z',
  properties: { total: i },
  useRecentSession: true,
  idempotencyKey: `m-${i}`
}))

async function sendBatch(): Promise<Entry[]> {
  const answer = await sendJobs(createRequestClient(), apiKey, 'events', payloads, eventRequest, FAST)
  return answer.getAllResponses().map((entry) => entry.value() as Entry)
}

const created = (status = 'PROCESSING') =>
  nock(API)
    .post('/v2/events/batch')
    .once()
    .reply(200, { job: { id: 'job-7', status, created: '2024-05-01T12:00:00Z' } })
const status = (jobStatus: string, errors = 0) =>
  nock(API)
    .get('/v2/events/batch/job-7')
    .matchHeader('authorization', `Basic ${apiKey}`)
    .reply(200, { imports: 4 - errors, errors, job: { id: 'job-7', status: jobStatus } })
const errorsPage = (results: unknown[], token?: string, next = '') =>
  nock(API)
    .get('/v2/events/batch/job-7/errors')
    .query(token ? { page_token: token } : {})
    .reply(200, { results, total_records: String(results.length), next_page_token: next })

const ok = (i: number, jobStatus = 'COMPLETED') => ({
  status: 200,
  sent: JSON.stringify(row(i)),
  body: { job: { id: 'job-7', status: jobStatus } }
})
/** A row of a job FullStory had not reported on when the follow-up ended. */
const notReported = (i: number) => ({
  ...ok(i, 'PROCESSING'),
  body: {
    job: { id: 'job-7', status: 'PROCESSING' },
    note: 'FullStory has accepted the job and not yet reported on it'
  }
})

describe('following a batch import job', () => {
  it('polls until COMPLETED: every row 200, one status request', async () => {
    created()
    const poll = status('COMPLETED')
    expect(await sendBatch()).toEqual([0, 1, 2, 3].map((i) => ok(i)))
    expect(poll.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('keeps polling while PROCESSING, waiting twice as long each time', async () => {
    const times: number[] = []
    const answers = ['PROCESSING', 'PROCESSING', 'COMPLETED']
    created()
    nock(API)
      .get('/v2/events/batch/job-7')
      .times(3)
      .reply(200, () => {
        times.push(Date.now())
        return { job: { id: 'job-7', status: answers.shift() } }
      })
    const started = Date.now()
    expect(await sendBatch()).toEqual([0, 1, 2, 3].map((i) => ok(i)))
    const waits = times.map((time, i) => time - (i === 0 ? started : times[i - 1]))
    waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(FAST.firstPollMs * 2 ** i))
  })

  it('FAILED: reads every page of the errors and answers the refused rows, and only them, in place', async () => {
    created()
    status('FAILED', 2)
    errorsPage([{ code: 'invalid_argument', message: 'bad total', event: row(3) }], undefined, 'page-2')
    // FullStory may echo a row with its members in another order and with null members added.
    const { properties, ...rest } = row(1)
    errorsPage(
      [{ code: 'invalid_argument', message: 'bad name', event: { properties, schema: null, ...rest } }],
      'page-2'
    )
    const entries = await sendBatch()
    expect(entries.map((entry) => entry.status)).toEqual([200, 400, 200, 400])
    expect(entries[0]).toEqual(ok(0, 'FAILED'))
    expect(entries[1]).toMatchObject({
      status: 400,
      errortype: 'BAD_REQUEST',
      errormessage: 'FullStory refused this row of batch import job job-7: invalid_argument "bad name"',
      sent: JSON.stringify(row(1)),
      body: { job: { id: 'job-7', status: 'FAILED' }, code: 'invalid_argument', message: 'bad name' }
    })
    expect(entries[3].errormessage).toBe(
      'FullStory refused this row of batch import job job-7: invalid_argument "bad total"'
    )
    expect(nock.pendingMocks()).toEqual([])
  })

  it("COMPLETED with errors counted (as one of FullStory's examples shows) reads the errors too", async () => {
    created()
    status('COMPLETED', 1)
    errorsPage([{ code: 'too_many_requests', message: 'later', event: row(2) }])
    const entries = await sendBatch()
    expect(entries.map((entry) => entry.status)).toEqual([200, 200, 429, 200])
  })

  it('an error that matches no row, or several, is reported on every row of the job, never guessed', async () => {
    created()
    status('FAILED', 1)
    errorsPage([{ code: 'invalid_argument', message: 'bad row', event: { name: 'Something else' } }])
    const entries = await sendBatch()
    expect(entries.map((entry) => entry.status)).toEqual([200, 200, 200, 200])
    expect(entries[0].body).toEqual({
      job: { id: 'job-7', status: 'FAILED' },
      note: 'FullStory refused 1 row(s) of this job that match no single event here: invalid_argument "bad row"'
    })
  })

  it('FAILED without a refused row listed: every row gets the failure, not retried (a retry would replay the job)', async () => {
    created()
    status('FAILED', 0)
    errorsPage([])
    const entries = await sendBatch()
    expect(entries.map((entry) => entry.status)).toEqual([422, 422, 422, 422])
    expect(entries[0].errormessage).toBe(
      'FullStory refused this row of batch import job job-7: "the job failed and FullStory lists no refused row"'
    )
  })

  it('a job still processing when the budget is spent: the rows stay 200 and say that FullStory has not reported yet', async () => {
    const times: number[] = []
    created()
    nock(API)
      .get('/v2/events/batch/job-7')
      .times(10)
      .reply(200, () => {
        times.push(Date.now())
        return { job: { id: 'job-7', status: 'PROCESSING' } }
      })
    const entries = await sendBatch()
    expect(entries[2]).toEqual(notReported(2))
    // It polled while the next wait fitted the budget (10, 20, 40 and 80 ms fit in 200; 160 more do not).
    expect(times.length).toBeGreaterThanOrEqual(3)
    expect(times.length).toBeLessThanOrEqual(4)
    nock.cleanAll()
  })

  it('through onBatch, with the real timing: one status request 250 ms after the job is created', async () => {
    let createdAt = 0
    nock(API)
      .post('/v2/events/batch')
      .reply(200, () => {
        createdAt = Date.now()
        return { job: { id: 'job-7', status: 'PROCESSING' } }
      })
    let polledAt = 0
    nock(API)
      .get('/v2/events/batch/job-7')
      .reply(200, () => {
        polledAt = Date.now()
        return { job: { id: 'job-7', status: 'COMPLETED' } }
      })
    const [result] = await new Destination(definition).onBatch([0, 1, 2, 3].map(track), settings)
    expect((result as { multistatus: Entry[] }).multistatus).toEqual([0, 1, 2, 3].map((i) => ok(i)))
    expect(polledAt - createdAt).toBeGreaterThanOrEqual(FOLLOW.firstPollMs)
    expect(FOLLOW).toEqual({ budgetMs: 5_000, firstPollMs: 250 })
  })

  it('a 429 on the status route ends the following, not the delivery: nothing is sent twice', async () => {
    const create = created()
    nock(API)
      .get('/v2/events/batch/job-7')
      .reply(429, { code: 'too_many_requests', message: 'slow down' }, { 'Retry-After': '3' })
    const entries = await sendBatch()
    expect(create.isDone()).toBe(true)
    expect(entries.map((entry) => entry.status)).toEqual([200, 200, 200, 200])
    // The rows were delivered: the note keeps the cause and leaves out the 429's "Segment will retry".
    expect((entries[0].body as { note: string }).note).toBe(
      'FullStory has accepted the job; following it ended (FullStory is rate limiting this API key ' +
        '(FullStory answered 429 too_many_requests "slow down"))'
    )
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a status request that outlasts the budget: the rows stay 200, FullStory has not reported yet', async () => {
    created()
    nock(API)
      .get('/v2/events/batch/job-7')
      .delay(FAST.budgetMs * 5)
      .reply(200, { job: { id: 'job-7' } })
    const entries = await sendBatch()
    expect(entries[1]).toEqual(notReported(1))
    nock.cleanAll()
  })

  it('a network error while reading the errors ends the following the same way', async () => {
    created()
    status('FAILED', 1)
    nock(API)
      .get('/v2/events/batch/job-7/errors')
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))
    const entries = await sendBatch()
    expect(entries.map((entry) => entry.status)).toEqual([200, 200, 200, 200])
    expect((entries[0].body as { note: string }).note).toBe(
      'FullStory has accepted the job; following it ended (Could not reach FullStory to send events (ECONNRESET))'
    )
  })
})
