import { Destination, type SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../src/generated-types'
import { buildersAlone, capturePayloads } from './builders'
import { coldStart } from './cold-start'
import { builtDefinition, floorDefinition, presetSubscriptions, replayDefinition } from './destination'
import { EVENT_COUNT, generateEvents, sixtyKeyTraits } from './events'
import { cpuPerItem, total, type Measurement } from './measure'
import { batchEvents, batchesOf, ceiling, propertiesAlone, requestTimeoutMs, singleEvents } from './phases'
import { ourShare, profiled } from './profile'
import { printTable, REPORT, writeReport, type Results, type Round, type Variant } from './report'
import { byIdempotencyKey, prepareRequests, type PreparedRequest } from './requests'
import { startSimulatorChild, type SimulatorChild } from './simulator-child'

/**
 * `npm run bench`: measures, in one run, the destination against its ceiling (the HTTP client
 * alone), its floor (the framework alone) and its replay (framework and HTTP with our per-event code
 * replaced by a lookup), batching, a CPU profile of the destination (the own-share criterion), the
 * properties module and our builders alone, and cold start; prints a table and writes it into
 * docs/benchmarks.md (see that file for the method).
 *
 * The single-event variants run interleaved, chunk by chunk (CHUNK events each, the order rotating),
 * so that all of them meet the same conditions on a shared machine; every measured chunk starts on a
 * freshly reset simulator, and every request must be answered 200.
 */

/** Rounds over all the events (each: every chunk through every variant, the batches, a profiled run). */
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 2
const CHUNK = 500

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
}

async function main(): Promise<void> {
  const started = Date.now()
  const events = generateEvents(EVENT_COUNT)
  const definition = builtDefinition()
  const subscriptions = presetSubscriptions(definition)
  const batches = batchesOf(events, presetSubscriptions(definition, true))
  const trackCount = events.filter((event) => event.type !== 'identify').length

  // Our code alone first, while the heap is small (the network phases keep every captured request).
  const properties = await propertiesAlone(sixtyKeyTraits(), 1500)
  const builders = await buildersAlone(await capturePayloads(definition, events, subscriptions), 4)

  const sim: SimulatorChild = await startSimulatorChild()
  log(`simulator in process ${sim.pid}; ${events.length} events, ${batches.length} batches, ${ROUNDS} rounds`)

  try {
    const destination = new Destination<Settings>(definition)
    // Capture pass (also the destination's warm-up): the exact requests the destination sends.
    process.env.FULLSTORY_API_URL = sim.captureUrl
    await sim.reset()
    await singleEvents(destination, events, subscriptions)
    const captured = await sim.captured()
    if (captured.length !== events.length) throw new Error(`captured ${captured.length} requests`)
    const byKey = byIdempotencyKey(prepareRequests(captured, sim.url))
    const requestsOf = (chunk: SegmentEvent[]) =>
      chunk.map((event) => byKey.get(String(event.messageId)) as PreparedRequest)
    process.env.FULLSTORY_API_URL = sim.url

    const replay = new Destination<Settings>(replayDefinition(definition, byKey, requestTimeoutMs()))
    const floor = new Destination<Settings>(floorDefinition(definition))
    const variants: Record<Variant, (chunk: SegmentEvent[]) => Promise<Measurement>> = {
      destination: (chunk) => singleEvents(destination, chunk, subscriptions),
      replay: (chunk) => singleEvents(replay, chunk, subscriptions),
      floor: (chunk) => singleEvents(floor, chunk, subscriptions),
      ceiling: (chunk) => ceiling(definition, requestsOf(chunk))
    }
    const order = Object.keys(variants) as Variant[]

    const checkedRun = async (variant: Variant, chunk: SegmentEvent[]): Promise<Measurement> => {
      await sim.reset()
      const measured = await variants[variant](chunk)
      const stats = await sim.stats()
      const expected = variant === 'floor' ? 0 : chunk.length
      if (stats.requests !== expected || (stats.byStatus['200'] ?? 0) !== expected || stats.replayed !== 0) {
        throw new Error(`${variant}: expected ${expected} fresh 200 answers, simulator saw ${JSON.stringify(stats)}`)
      }
      return measured
    }
    const runBatches = async (): Promise<{ measured: Measurement; requests: number; simCpuMicros: number }> => {
      await sim.reset()
      const measured = await batchEvents(destination, batches)
      const stats = await sim.stats()
      if (
        stats.requests !== batches.length ||
        stats.byStatus['200'] !== batches.length ||
        stats.events !== trackCount
      ) {
        throw new Error(`batches: simulator saw ${JSON.stringify(stats)}`)
      }
      return { measured, requests: stats.requests, simCpuMicros: stats.cpuMicros }
    }

    // Warm-up of every path.
    for (const variant of order) await checkedRun(variant, events.slice(0, CHUNK))
    await runBatches()

    const rounds: Round[] = []
    let turn = 0
    for (let r = 0; r < ROUNDS; r++) {
      const parts: Record<Variant, Measurement[]> = { destination: [], replay: [], floor: [], ceiling: [] }
      for (let start = 0; start < events.length; start += CHUNK, turn++) {
        const chunk = events.slice(start, start + CHUNK)
        for (let k = 0; k < order.length; k++) {
          const variant = order[(turn + k) % order.length]
          parts[variant].push(await checkedRun(variant, chunk))
        }
      }
      const batch = await runBatches()
      await sim.reset()
      const profile = await profiled(async () => {
        await singleEvents(destination, events, subscriptions)
      })
      const profiledStats = await sim.stats()
      if (profiledStats.byStatus['200'] !== events.length) throw new Error('profiled run: not every event sent')
      const round: Round = {
        chunkOwnShares: parts.destination.map((d, i) => (cpuPerItem(d) - cpuPerItem(parts.replay[i])) / cpuPerItem(d)),
        destination: total(parts.destination),
        replay: total(parts.replay),
        floor: total(parts.floor),
        ceiling: total(parts.ceiling),
        batch: batch.measured,
        batchRequests: batch.requests,
        singleRequests: events.length,
        profile
      }
      rounds.push(round)
      log(`round ${r + 1}: ${describe(round)}`)
    }

    const coldEvent = events.find((event) => event.event === 'Order Completed') ?? events[0]
    const cold = await coldStart(coldEvent, sim.url)

    const results: Results = {
      events: events.length,
      batches: batches.length,
      rounds,
      properties,
      builders,
      cold,
      seconds: (Date.now() - started) / 1000
    }
    printTable(results)
    if (process.env.BENCH_DIST) log(`BENCH_DIST is set: ${REPORT} left alone`)
    else writeReport(results)
  } finally {
    await sim.close()
  }
}

function describe(round: Round): string {
  const f = (m: Measurement) => `${Math.round((m.items * 1000) / m.wallMs)}/s ${Math.round(m.cpuMicros / m.items)}µs`
  return `destination ${f(round.destination)}, replay ${f(round.replay)}, floor ${f(round.floor)}, ceiling ${f(
    round.ceiling
  )}, batches ${f(round.batch)}; profile: ours ${(ourShare(round.profile) * 100).toFixed(1)}%`
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
