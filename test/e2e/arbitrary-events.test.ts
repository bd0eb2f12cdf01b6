import fc from 'fast-check'
import {
  Destination,
  PayloadValidationError,
  type JSONObject,
  type JSONValue,
  type SegmentEvent
} from '@segment/actions-core'
import definition from '../../src'
import type { Simulator } from '../../dev/simulator'
import { decisive, expectationFor, expectedIdempotencyKey, type Expectation } from './expectations'
import {
  API_KEY,
  batchSettings,
  presetSettings,
  SecretWatch,
  startE2eSimulator,
  TEST_KEYS,
  type E2eSimulator
} from './helpers'
import { segmentBatch, segmentEvent } from './segment-events'

// Property-based, end to end: arbitrary Segment identify, track and page events through
// `new Destination(definition).onEvent` with the presets as subscriptions, into the FullStory
// simulator. Every event is either stored by the simulator (with the expected uid and event name)
// or refused before anything is sent, with an error that names the problem. Batches likewise
// through `onBatch` with Send in Batches on: one multistatus entry per index, and every row answered
// 200 is in a batch import job the simulator accepted without row errors.

const SINGLE_RUNS = 1000
const SINGLE_SEED = 7
const BATCH_RUNS = 100
const BATCH_SEED = 11

let e2e: E2eSimulator
let sim: Simulator
const secrets = new SecretWatch([...TEST_KEYS])

/** Outcome counts, by what happened and why (printed with E2E_STATS=1). */
const stats: Record<string, number> = {}
const count = (key: string, by = 1) => (stats[key] = (stats[key] ?? 0) + by)

beforeAll(async () => {
  e2e = await startE2eSimulator()
  sim = e2e.sim
})
afterAll(async () => {
  await e2e.stop()
  if (process.env.E2E_STATS) console.log(`arbitrary-events: ${JSON.stringify(stats, null, 1)}`)
})

function isSchemaError(error: unknown): boolean {
  return (error as Error)?.name === 'AggregateAjvError' && (error as { status?: number }).status === 400
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

describe('onEvent with the presets as subscriptions', () => {
  it(`${SINGLE_RUNS} arbitrary identify/track/page events (seed ${SINGLE_SEED}): stored as expected, or refused before sending with an error naming the problem`, async () => {
    const destination = new Destination(definition)
    const settings = presetSettings(API_KEY)
    await fc.assert(
      fc.asyncProperty(segmentEvent, async (event) => {
        sim.reset()
        const expectation = expectationFor(event)
        let results: unknown
        let error: unknown
        try {
          results = await destination.onEvent(event, settings)
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
          expect(sim.requests()).toEqual([])
          return
        }
        if (expectation.problems.length > 0) {
          throw new Error(
            `accepted, but expected a refusal (${expectation.problems.map((p) => p.why).join(', ')}): ` +
              JSON.stringify(event).slice(0, 500)
          )
        }
        const path = expectation.action === 'identifyUser' ? '/v2/users' : '/v2/events'
        expect(sim.requests()).toEqual([expect.objectContaining({ method: 'POST', path, status: 200 })])
        expect(sim.requests()[0].idempotencyKey).toBe(expectedIdempotencyKey(event))
        if (expectation.action === 'identifyUser') {
          expect(sim.users()).toEqual([expect.objectContaining({ uid: expectation.uid, upserts: 1 })])
        } else {
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
    // the run exercised both outcomes for every type
    for (const type of ['identify', 'track', 'page']) {
      expect(stats[`stored ${type}`]).toBeGreaterThan(SINGLE_RUNS / 30)
      expect(stats[`tried ${type}`] - stats[`stored ${type}`]).toBeGreaterThan(0)
    }
    expect(secrets.leaks).toEqual([])
  })

  it('values nested 1,000 levels deep (objects and lists) are stored, folded into JSON text past level 10', async () => {
    const destination = new Destination(definition)
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

describe('onBatch with Send in Batches on', () => {
  it(`${BATCH_RUNS} arbitrary batches of 1-24 events (seed ${BATCH_SEED}): an entry at every index; every 200 row is in an accepted job, stored; nothing sent for refused rows`, async () => {
    const destination = new Destination(definition)
    const settings = batchSettings(API_KEY)
    const subscriptions = settings.subscriptions as unknown as { subscribe: string; partnerAction: string }[]
    const typeOf = (subscribe: string) => /"(\w+)"/.exec(subscribe)?.[1]

    await fc.assert(
      fc.asyncProperty(segmentBatch, async (events) => {
        sim.reset()
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

        const jobRows = new Map<string, { uid?: string; name?: string; action: string }[]>()
        subscriptions.forEach((subscription, s) => {
          const type = typeOf(subscription.subscribe)
          const matching = events.filter((event) => event.type === type)
          const result = results[s] as { multistatus?: JSONObject[]; output?: string }
          if (matching.length === 0) {
            expect(result).toEqual({ output: 'not subscribed' })
            return
          }
          const multistatus = result.multistatus as JSONObject[]
          expect(multistatus).toHaveLength(events.length)
          events.forEach((event, i) => {
            const entry = multistatus[i] as { status: number; errormessage?: string; body?: JSONObject }
            expect(entry).toBeDefined()
            if (event.type !== type) {
              expect(entry.status).toBe(400)
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
            const jobId = ((entry.body as JSONObject).job as JSONObject).id as string
            const rows = jobRows.get(jobId) ?? []
            rows.push({ uid: expectation.uid, name: expectation.name, action: expectation.action })
            jobRows.set(jobId, rows)
            count(`batch stored ${event.type}`)
          })
        })

        // one create request per job, none for a subscription whose rows were all refused
        const jobRequests = sim.requests().filter((r) => r.path.endsWith('/batch'))
        expect(jobRequests).toHaveLength(jobRows.size)
        expect(jobRequests.every((r) => r.status === 200)).toBe(true)
        const jobs = sim.jobs()
        expect(jobs.map((j) => j.id).sort()).toEqual([...jobRows.keys()].sort())
        const events_ = sim.events()
        for (const job of jobs) {
          const rows = jobRows.get(job.id) ?? []
          // the simulator accepted every row of every job
          expect(job.errors).toEqual([])
          expect(job.imports).toBe(rows.length)
          if (job.kind === 'users') {
            for (const { uid } of rows) expect(sim.users().some((u) => u.uid === uid)).toBe(true)
          } else {
            const stored = events_
              .filter((e) => typeof e.source === 'object' && e.source.job === job.id)
              .map((e) => [e.name, e.user?.uid])
            expect(stored).toEqual(rows.map((r) => [r.name, r.uid]))
          }
        }
        count('jobs', jobs.length)
      }),
      { seed: BATCH_SEED, numRuns: BATCH_RUNS }
    )
    expect(stats['batch stored identify']).toBeGreaterThan(0)
    expect(stats['batch stored track']).toBeGreaterThan(0)
    expect(stats['batch stored page']).toBeGreaterThan(0)
    expect(secrets.leaks).toEqual([])
  })
})
