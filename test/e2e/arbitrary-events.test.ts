import fc from 'fast-check'
import { PayloadValidationError } from '@segment/actions-core'
import type { JSONObject, JSONValue, SegmentEvent } from '@segment/actions-core'
import type { Simulator } from '../../dev/simulator'
import { expectedDeliveryKey, expectedJobKey } from '../../src/__tests__/__helpers__/expected-keys'
import { decisive, expectationFor, messageKeyOf } from './expectations'
import type { Expectation } from './expectations'
import { API_KEY, batchSettings, presetSettings, SecretWatch, startE2eSimulator, TEST_KEYS } from './helpers'
import type { E2eSimulator } from './helpers'
import { segmentBatch, segmentEvent } from './segment-events'
import type { Wire, WireRequest } from './wire'

// Property-based, end to end: arbitrary Segment identify, track and page events through
// `e2e.destination().onEvent` with the presets and the page-call recipe as subscriptions,
// into the FullStory simulator (through a relay that records the exact bytes sent). Every event is
// either stored by the simulator (with the expected uid and event name) under the Idempotency-Key of
// its delivery, or refused before anything is sent, with an error that names the problem. Batches
// likewise through `onBatch` with Send in Batches on: one multistatus entry per index, every row
// answered 200 is in a batch import job the simulator accepted without row errors, followed until the
// simulator reports it COMPLETED (one status request a job), and a message that comes twice is sent and
// stored once, both indices answered alike.

const SINGLE_RUNS = 250
const SINGLE_SEED = 7
const BATCH_RUNS = 30
const BATCH_SEED = 11

let e2e: E2eSimulator
let sim: Simulator
let wire: Wire
const secrets = new SecretWatch([...TEST_KEYS])

/** Outcome counts, by what happened and why (printed with E2E_STATS=1). */
const stats: Record<string, number> = {}
const count = (key: string, by = 1) => (stats[key] = (stats[key] ?? 0) + by)

beforeAll(async () => {
  e2e = await startE2eSimulator({ wire: true })
  sim = e2e.sim
  wire = e2e.wire as Wire
})
afterAll(async () => {
  await e2e.stop()
  if (process.env.E2E_STATS) console.log(`arbitrary-events: ${JSON.stringify(stats, null, 1)}`)
})

function isSchemaError(error: unknown): boolean {
  return (error as Error)?.name === 'AggregateAjvError' && (error as { status?: number }).status === 400
}

/** The headers every request carries: the key (Basic), the source and JSON; and the Idempotency-Key expected. */
function expectRequestHeaders(request: WireRequest, idempotencyKey: string | undefined): void {
  expect(request.headers.authorization).toBe(`Basic ${API_KEY}`)
  expect(request.headers['integration-source']).toBe('segment')
  expect(request.headers['content-type']).toBe('application/json')
  expect(request.headers['idempotency-key']).toBe(idempotencyKey)
}

/** The headers of a request that creates (a user, an event, a job), its form of Idempotency-Key counted. */
function expectHeaders(request: WireRequest, idempotencyKey: string | undefined): void {
  expectRequestHeaders(request, idempotencyKey)
  const form = idempotencyKey?.startsWith('segment-')
    ? 'job key'
    : idempotencyKey?.startsWith('sha256-')
    ? 'key digest'
    : 'key plain'
  count(idempotencyKey === undefined ? 'no key' : form)
}

/** The error must be the one the expectation predicts, and name the problem. */
function expectRefusal(error: unknown, expectation: Expectation, event: SegmentEvent): void {
  const problems = decisive(expectation.problems)
  const message = String((error as Error)?.message)
  const named = problems.find((p) => p.message.test(message))
  if (!named) {
    throw new Error(
      `unexpected refusal ${(error as Error)?.name}: ${message.slice(0, 300)}\n` +
        `expected one of ${problems.map((p) => p.message).join(', ') || 'none (acceptance)'}\n` +
        `event: ${JSON.stringify(event).slice(0, 500)}`
    )
  }
  if (named.by === 'payload') expect(error).toBeInstanceOf(PayloadValidationError)
  else expect(isSchemaError(error)).toBe(true)
  count(`refused ${named.by}: ${named.why}`)
}

describe('onEvent with the presets and the page-call recipe as subscriptions', () => {
  it(`${SINGLE_RUNS} arbitrary identify/track/page events (seed ${SINGLE_SEED}): stored as expected, or refused before sending with an error naming the problem`, async () => {
    const destination = e2e.destination()
    const settings = presetSettings(API_KEY)
    await fc.assert(
      fc.asyncProperty(segmentEvent, async (event) => {
        sim.reset()
        wire.reset()
        const expectation = expectationFor(event)
        let results: JSONObject[] | undefined
        let error: unknown
        try {
          results = (await destination.onEvent(event, settings)) as unknown as JSONObject[]
        } catch (caught) {
          error = caught
        } finally {
          destination.responses.length = 0
        }
        secrets.check(error ?? results, `onEvent ${event.type}`)
        count(`tried ${event.type}`)

        if (error !== undefined) {
          expectRefusal(error, expectation, event)
          // refused before sending: nothing reached FullStory
          expect(wire.requests()).toEqual([])
          expect(sim.requests()).toEqual([])
          return
        }
        if (expectation.problems.length > 0) {
          throw new Error(
            `accepted, but expected a refusal (${expectation.problems.map((p) => p.why).join(', ')}): ` +
              JSON.stringify(event).slice(0, 500)
          )
        }
        // one subscription ran (its action executed), the other two were not subscribed
        expect(results?.filter((r) => r.output === 'not subscribed')).toHaveLength(2)
        expect(results?.filter((r) => r.output === 'Action Executed')).toHaveLength(1)
        const path = expectation.action === 'identifyUser' ? '/v2/users' : '/v2/events'
        const sent = wire.requests()
        expect(sent).toEqual([expect.objectContaining({ method: 'POST', path, status: 200 })])
        const body = JSON.parse(sent[0].body) as JSONObject
        const key = messageKeyOf(event)
        const idempotencyKey = key === undefined ? undefined : expectedDeliveryKey(key, path, sent[0].body)
        expectHeaders(sent[0], idempotencyKey)
        expect(sim.requests()).toEqual([expect.objectContaining({ method: 'POST', path, status: 200 })])
        expect(sim.requests()[0].idempotencyKey).toBe(idempotencyKey)
        if (expectation.action === 'identifyUser') {
          expect(body.uid).toBe(expectation.uid)
          expect(sim.users()).toEqual([expect.objectContaining({ uid: expectation.uid, upserts: 1 })])
        } else {
          // the user form, on the user's recent session (Use Recent Session is on in both mappings)
          expect([body.name, body.user, body.session]).toEqual([
            expectation.name,
            { uid: expectation.uid },
            { use_most_recent: true }
          ])
          expect(sim.events()).toEqual([
            expect.objectContaining({
              name: expectation.name,
              user: expect.objectContaining({ uid: expectation.uid }),
              session: { use_most_recent: true },
              source: 'api'
            })
          ])
        }
        count(`stored ${event.type}`)
      }),
      { seed: SINGLE_SEED, numRuns: SINGLE_RUNS }
    )
    // the run exercised both outcomes for every type, and every form of Idempotency-Key
    for (const type of ['identify', 'track', 'page']) {
      expect(stats[`stored ${type}`]).toBeGreaterThan(SINGLE_RUNS / 30)
      expect(stats[`tried ${type}`] - stats[`stored ${type}`]).toBeGreaterThan(0)
    }
    for (const form of ['no key', 'key plain', 'key digest']) expect(stats[form]).toBeGreaterThan(SINGLE_RUNS / 30)
    expect(secrets.leaks).toEqual([])
  })

  it('values nested 1,000 levels deep (objects and lists) are stored, folded into JSON text past level 10', async () => {
    const destination = e2e.destination()
    const settings = presetSettings(API_KEY)
    const nest = (depth: number, list: boolean): JSONValue => {
      let value: JSONValue = 'leaf'
      for (let i = 0; i < depth; i++) value = list ? [value] : { a: value }
      return value
    }
    sim.reset()
    await destination.onEvent(
      { type: 'track', userId: 'deep-user', event: 'Deep', properties: { o: nest(1000, false), l: nest(1000, true) } },
      settings
    )
    await destination.onEvent({ type: 'identify', userId: 'deep-user', traits: { o: nest(1000, false) } }, settings)
    const [event] = sim.events()
    expect(event.name).toBe('Deep')
    // a list holding a list is a list of strings, the inner list as its JSON text
    expect(event.properties?.l).toEqual([expect.stringMatching(/^\[\[\[/)])
    let level: unknown = event.properties?.o
    let depth = 1
    while (typeof level === 'object' && level !== null) {
      level = (level as Record<string, unknown>).a
      depth++
    }
    expect(typeof level).toBe('string')
    expect(depth).toBeLessThanOrEqual(10)
    expect(sim.users()).toEqual([expect.objectContaining({ uid: 'deep-user', upserts: 1 })])
  })
})

interface Entry {
  status: number
  errormessage?: string
  sent?: string
  body?: { job: { id: string; status: string }; note?: string }
}

/** One delivery of a batch: a row the job must carry, from the first index that holds its message. */
interface ExpectedRow {
  uid?: string
  name?: string
  messageKey?: string
  /** What the multistatus entry says was sent for it: the row's JSON text. */
  sent: string
}

/** `a` before `b` as JavaScript compares strings (by UTF-16 code units). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The rows of a job in the order FullStory must receive them, whatever order they came in
 * (docs/rules.md#send-in-batches-and-batch-size): users by User ID, one user's rows in their order;
 * events by their delivery key, or by their JSON text when they have none.
 */
function inJobOrder(kind: 'users' | 'events', path: string, rows: ExpectedRow[]): ExpectedRow[] {
  const order = (row: ExpectedRow) => {
    if (kind === 'users') return row.uid as string
    return row.messageKey === undefined ? row.sent : expectedDeliveryKey(row.messageKey, path, row.sent)
  }
  // Array.prototype.sort is stable: rows of one order keep theirs
  return rows
    .map((row) => ({ row, order: order(row) }))
    .sort((a, b) => byText(a.order, b.order))
    .map(({ row }) => row)
}

describe('onBatch with Send in Batches on', () => {
  it(`${BATCH_RUNS} arbitrary batches of 1-27 events, some holding one message twice (seed ${BATCH_SEED}): an entry at every index; every 200 row is in an accepted job, under the job's expected Idempotency-Key; a repeated message is sent and stored once and answered alike at each index; nothing sent for refused rows`, async () => {
    const destination = e2e.destination()
    const settings = batchSettings(API_KEY)
    const subscriptions = settings.subscriptions as unknown as { subscribe: string; partnerAction: string }[]
    const typeOf = (subscribe: string) => /"(\w+)"/.exec(subscribe)?.[1]

    await fc.assert(
      fc.asyncProperty(segmentBatch, async (events) => {
        sim.reset()
        wire.reset()
        let results: JSONObject[]
        try {
          results = (await destination.onBatch(events, settings)) as unknown as JSONObject[]
        } finally {
          destination.responses.length = 0
        }
        secrets.check(results, 'onBatch')
        count('batches')
        count('batch rows', events.length)
        expect(results).toHaveLength(subscriptions.length)

        const jobRows = new Map<string, ExpectedRow[]>()
        subscriptions.forEach((subscription, s) => {
          const type = typeOf(subscription.subscribe)
          const matching = events.filter((event) => event.type === type)
          const result = results[s] as { multistatus?: Entry[]; output?: string }
          if (matching.length === 0) {
            expect(result).toEqual({ output: 'not subscribed' })
            return
          }
          const multistatus = result.multistatus as Entry[]
          expect(multistatus).toHaveLength(events.length)
          /** The first accepted index of each message (its key and its whole content). */
          const firstIndex = new Map<string, number>()
          events.forEach((event, i) => {
            const entry = multistatus[i]
            expect(entry).toBeDefined()
            if (event.type !== type) {
              expect(entry).toMatchObject({
                status: 400,
                errormessage: 'Payload is either invalid or does not match the subscription'
              })
              return
            }
            const expectation = expectationFor(event, 'batch')
            const problems = decisive(expectation.problems)
            if (problems.length > 0) {
              expect(entry.status).toBe(400)
              const named = problems.find((p) => p.message.test(String(entry.errormessage)))
              if (!named) throw new Error(`row ${i}: ${entry.errormessage} names none of ${problems.map((p) => p.why)}`)
              count(`batch refused ${named.by}: ${named.why}`)
              return
            }
            expect(entry.status).toBe(200)
            const messageKey = messageKeyOf(event)
            const identity = messageKey === undefined ? undefined : `${messageKey}\n${JSON.stringify(event)}`
            const first = identity === undefined ? undefined : firstIndex.get(identity)
            if (first !== undefined) {
              // the same message again: no second row, and the answer of the first index
              expect(entry).toEqual(multistatus[first])
              count(`batch repeat ${event.type}`)
              return
            }
            if (identity !== undefined) firstIndex.set(identity, i)
            const jobId = (entry.body as { job: { id: string } }).job.id
            // the job was followed until FullStory reported on it: imported (the presets map nothing
            // that adds a note)
            expect(entry.body).toEqual({ job: { id: jobId, status: 'COMPLETED' } })
            const rows = jobRows.get(jobId) ?? []
            rows.push({ uid: expectation.uid, name: expectation.name, messageKey, sent: entry.sent as string })
            jobRows.set(jobId, rows)
            count(`batch stored ${event.type}`)
          })
        })

        // one create request per job, none for a subscription whose rows were all refused; then one
        // status request per job (the simulator reports a job COMPLETED at its first poll), no page of
        // errors (it refused no row)
        const sent = wire.requests()
        const jobRequests = sent.filter((request) => request.method === 'POST')
        const followUps = sent.filter((request) => request.method !== 'POST')
        expect(jobRequests).toHaveLength(jobRows.size)
        const expectedFollowUps: string[][] = []
        const upsertsByUid = new Map<string, number>()
        for (const request of jobRequests) {
          expect(request).toMatchObject({ method: 'POST', status: 200 })
          const kind = /^\/v2\/(users|events)\/batch$/.exec(request.path)?.[1] as 'users' | 'events'
          expect(kind).toBeDefined()
          const jobId = (JSON.parse(request.answer) as { job: { id: string } }).job.id
          expectedFollowUps.push(['GET', `/v2/${kind}/batch/${jobId}`, ''])
          expect(jobRows.get(jobId)).toBeDefined()
          const rows = inJobOrder(kind, request.path, jobRows.get(jobId) as ExpectedRow[])
          jobRows.set(jobId, rows)
          const sentRows = (JSON.parse(request.body) as { requests: JSONObject[] }).requests
          // the body is exactly its rows' JSON, so each row's digest is taken from its own text
          const rowTexts = sentRows.map((row) => JSON.stringify(row))
          expect(request.body).toBe(`{"requests":[${rowTexts.join(',')}]}`)
          expect(sentRows).toHaveLength(rows.length)
          rows.forEach((row, j) => {
            expect(row.sent).toBe(rowTexts[j])
            if (kind === 'users') {
              expect(sentRows[j].uid).toBe(row.uid)
              upsertsByUid.set(row.uid as string, (upsertsByUid.get(row.uid as string) ?? 0) + 1)
            } else {
              expect([sentRows[j].name, sentRows[j].user, sentRows[j].session]).toEqual([
                row.name,
                { uid: row.uid },
                { use_most_recent: true }
              ])
            }
          })
          const rowKeys = rows.map((row, j) =>
            row.messageKey === undefined ? undefined : expectedDeliveryKey(row.messageKey, request.path, rowTexts[j])
          )
          const keyed = rowKeys.filter((key): key is string => key !== undefined)
          // every delivery in a job is distinct, and the job has a key only when every row has one
          expect(new Set(keyed).size).toBe(keyed.length)
          expectHeaders(request, keyed.length === rows.length ? expectedJobKey(kind, keyed) : undefined)
          count(keyed.length === rows.length ? 'jobs with a key' : 'jobs without a key')
        }
        expect(followUps.map((r) => [r.method, r.path, r.body]).sort()).toEqual(expectedFollowUps.sort())
        for (const request of followUps) {
          expect(request.status).toBe(200)
          expect(JSON.parse(request.answer)).toMatchObject({ job: { status: 'COMPLETED' }, errors: 0 })
          // a follow-up carries no Idempotency-Key (FullStory takes keys on creations only)
          expectRequestHeaders(request, undefined)
        }
        expect(sim.requests().map((r) => [r.method, r.path, r.status, r.idempotencyKey])).toEqual(
          sent.map((r) => [r.method, r.path, 200, r.headers['idempotency-key']])
        )

        const jobs = sim.jobs()
        expect(jobs.map((j) => j.id).sort()).toEqual([...jobRows.keys()].sort())
        const storedEvents = sim.events()
        for (const job of jobs) {
          // in the order of the job's rows
          const rows = jobRows.get(job.id) ?? []
          // the simulator accepted every row of every job
          expect(job.errors).toEqual([])
          expect(job.imports).toBe(rows.length)
          if (job.kind === 'events') {
            const stored = storedEvents
              .filter((e) => typeof e.source === 'object' && e.source.job === job.id)
              .map((e) => [e.name, e.user?.uid])
            expect(stored).toEqual(rows.map((r) => [r.name, r.uid]))
          }
        }
        // each row upserted its user once, a repeated message no more (events alone create users, not upserts)
        const upserted = sim.users().filter((u) => u.upserts > 0)
        expect(new Map(upserted.map((u) => [u.uid as string, u.upserts]))).toEqual(upsertsByUid)
        expect(storedEvents).toHaveLength(jobs.filter((j) => j.kind === 'events').reduce((n, j) => n + j.imports, 0))
        count('jobs', jobs.length)
      }),
      { seed: BATCH_SEED, numRuns: BATCH_RUNS }
    )
    for (const type of ['identify', 'track', 'page']) {
      expect(stats[`batch stored ${type}`]).toBeGreaterThan(0)
      expect(stats[`batch repeat ${type}`]).toBeGreaterThan(0)
    }
    expect(stats['jobs with a key']).toBeGreaterThan(BATCH_RUNS / 10)
    expect(stats['jobs without a key']).toBeGreaterThan(BATCH_RUNS / 10)
    expect(secrets.leaks).toEqual([])
  })
})
