import { writeFileSync } from 'fs'
import { coldStarts } from './cold-start'
import { startDestinationChild, type DestinationChild } from './destination-child'
import type { Path, Validation } from './destination-process'
import { benchEvents, CHUNK, chunkCount, EVENT_SETS, type EventSet } from './events'
import { total, type Measurement } from './measure'
import { combine, ourShare } from './profile'
import { ensurePublished } from './published'
import { printTable, REPORT, writeReport, type ChunkRun, type Results, type SideRun } from './report'
import { ourSide, publishedSide, type SideSpec } from './sides'
import { startSimulatorChild, type SimulatorChild } from './simulator-child'

/**
 * `npm run bench`: our destination side by side with Segment's published FullStory destination
 * (installed on demand outside the repository, bench/published.ts), each in processes of its own
 * (bench/destination-process.ts; ours in two, see `Ours`) so that each is charged only its own CPU,
 * all sending to the same stand-in FullStory in another process (bench/stand-in.ts). Same events
 * (bench/events.ts), each destination's presets as subscriptions, the rounds alternating which
 * destination goes first.
 * Then our batch path, CPU profiles of our single-event and batch paths, and cold starts; the table
 * shows each figure against its target (bench/targets.ts) and goes into docs/benchmarks.md.
 *
 * The rounds are shared out among several sets of processes (`Fork`), started one set after the
 * other, each warmed up by a round of its own: one process of the very same build ran several
 * percent faster or slower than another for its whole life (docs/benchmarks.md, "One process is not
 * a sample"), so a ratio from one process of each side is off by as much.
 *
 *   BENCH_ROUNDS=n         rounds (default 12)
 *   BENCH_FORKS=n          sets of processes, each with every side (default 4), one after the other
 *   BENCH_PUBLISHED=off    our figures only (no install, no side-by-side)
 *   BENCH_DIST=<dir>       measure another build of ours (docs/benchmarks.md is then left alone)
 *   BENCH_JSON=<file>      also write the raw results there
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 12
const FORKS = Math.max(1, Math.min(Number(process.env.BENCH_FORKS) || 4, ROUNDS))
/** The batch-path profile repeats the batches, to collect enough samples from a short run. */
const BATCH_PROFILE_REPEATS = 5
const SINGLE_PROFILE_REPEATS = 1

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
}

interface Timed {
  measured: Measurement
  /** Requests the stand-in answered, and its process's CPU meanwhile. */
  requests: number
  standInMicros: number
}

/** Runs `path` over one chunk of `set` on a freshly reset stand-in; stops the bench unless it answered exactly `requests`. */
async function timed(
  sim: SimulatorChild,
  side: DestinationChild,
  set: EventSet,
  path: Path,
  chunk: number,
  requests: number
): Promise<Timed> {
  await sim.reset()
  const { measured } = await side.run(set, path, { chunk })
  const stats = await sim.stats()
  if (stats.standIn.requests !== requests) {
    throw new Error(
      `${side.name} ${path} ${set}: expected ${requests} requests, the stand-in saw ${stats.standIn.requests}`
    )
  }
  return { measured, requests: stats.standIn.requests, standInMicros: stats.cpuMicros }
}

/**
 * Our destination runs in two processes: one for its single events (and their floor), one for its
 * batch path (and its floor). Each carries only its own garbage into its timed runs, and our single
 * events run in a process that does what the published destination's does. (In one process, the
 * garbage of a thousand-event batch was collected during the next single-event run and charged to
 * it.)
 */
interface Ours {
  single: DestinationChild
  batch: DestinationChild
}

/** One set of processes: ours (two) and the published destination's, when it is measured. */
interface Fork {
  index: number
  ours: Ours
  theirs?: DestinationChild
}

/** Our requests through the strict simulator: every one must be accepted, none a replay. */
async function validateOurs(sim: SimulatorChild, ours: Ours): Promise<Results['ourValidation']> {
  const out = {} as Results['ourValidation']
  for (const set of EVENT_SETS) {
    const sent: Record<'single' | 'batch', number> = { single: 0, batch: 0 }
    for (const path of ['single', 'batch'] as const) {
      await sim.reset()
      const result = await ours[path].validate(set, path, sim.url)
      const { strict } = await sim.stats()
      const expected = path === 'single' ? ours.single.counts[set] : chunkCount(ours.single.counts[set])
      const failures = Object.entries(result.failures)
      if (failures.length || strict.byStatus['200'] !== expected || strict.requests !== expected || strict.replayed) {
        throw new Error(
          `our ${path} ${set} through the strict simulator: ${JSON.stringify(failures.slice(0, 3))} ${JSON.stringify(
            strict
          )}`
        )
      }
      sent[path] = expected
    }
    out[set] = sent
  }
  return out
}

async function validatePublished(sim: SimulatorChild, theirs: DestinationChild): Promise<Record<EventSet, Validation>> {
  const out = {} as Record<EventSet, Validation>
  for (const set of EVENT_SETS) {
    await sim.reset()
    out[set] = await theirs.validate(set, 'single', sim.url)
  }
  return out
}

/** One chunk of one set through every variant: both destinations' single events (the one going first alternating), our batch, the floors. */
async function chunkRun(
  sim: SimulatorChild,
  fork: Fork,
  set: EventSet,
  chunk: number,
  turn: number
): Promise<ChunkRun> {
  const { ours, theirs } = fork
  const count = Math.min(CHUNK, ours.single.counts[set] - chunk * CHUNK)
  const sides = theirs ? (turn % 2 ? [theirs, ours.single] : [ours.single, theirs]) : [ours.single]
  const singles = new Map<DestinationChild, Timed>()
  for (const side of sides) singles.set(side, await timed(sim, side, set, 'single', chunk, count))
  const batch = await timed(sim, ours.batch, set, 'batch', chunk, 1)
  const floors = new Map<DestinationChild, Timed>()
  for (const side of sides) floors.set(side, await timed(sim, side, set, 'floor', chunk, 0))
  const batchFloor = await timed(sim, ours.batch, set, 'batch-floor', chunk, 0)
  const runOf = (side: DestinationChild): SideRun => {
    const single = singles.get(side) as Timed
    return { single: single.measured, floor: (floors.get(side) as Timed).measured, singleRequests: single.requests }
  }
  const standInMicros = [...singles.values()].reduce((sum, run) => sum + run.standInMicros, 0)
  return {
    set,
    chunk,
    fork: fork.index,
    first: sides[0].name,
    ours: {
      ...runOf(ours.single),
      batch: batch.measured,
      batchFloor: batchFloor.measured,
      batchRequests: batch.requests
    },
    published: theirs && runOf(theirs),
    standInMicrosPerRequest: standInMicros / (count * sides.length)
  }
}

/** A round: every chunk of every set through every variant, in one set of processes. */
async function round(sim: SimulatorChild, fork: Fork, index: number): Promise<ChunkRun[]> {
  const out: ChunkRun[] = []
  for (const set of EVENT_SETS) {
    for (let chunk = 0; chunk < chunkCount(fork.ours.single.counts[set]); chunk++) {
      out.push(await chunkRun(sim, fork, set, chunk, index + chunk))
    }
  }
  return out
}

/** CPU profiles of our single-event and batch paths, both sets (bench/profile.ts). */
async function profileOurs(sim: SimulatorChild, ours: Ours): Promise<Results['profiles']> {
  const profile = async (path: 'single' | 'batch', repeats: number) => {
    const profiles = []
    for (const set of EVENT_SETS) {
      await sim.reset()
      profiles.push((await ours[path].run(set, path, { profile: repeats })).profile ?? combine([]))
    }
    return combine(profiles)
  }
  return {
    single: await profile('single', SINGLE_PROFILE_REPEATS),
    batch: await profile('batch', BATCH_PROFILE_REPEATS),
    singleRepeats: SINGLE_PROFILE_REPEATS,
    batchRepeats: BATCH_PROFILE_REPEATS
  }
}

function describe(chunks: ChunkRun[]): string {
  return EVENT_SETS.map((set) => {
    const of = chunks.filter((c) => c.set === set)
    const us = (pick: (c: ChunkRun) => Measurement | undefined) => {
      const m = total(of.flatMap((c) => pick(c) ?? []))
      return Math.round(m.cpuMicros / m.items)
    }
    return `${set}: ours ${us((c) => c.ours.single)} µs/event (batch ${us((c) => c.ours.batch)})${
      of[0].published ? `, published ${us((c) => c.published?.single)} µs/event` : ''
    }`
  }).join('; ')
}

async function main(): Promise<void> {
  const started = Date.now()
  const published = await ensurePublished(log)
  if ('skipped' in published)
    log(`side-by-side phase skipped: the published destination is not available (${published.skipped})`)
  else
    log(
      `published destination: ${published.root} (${
        published.installed === 'now' ? 'installed now' : 'cached'
      }; outside the repository)`
    )
  const measureStart = Date.now()

  const sim = await startSimulatorChild()
  const sides: SideSpec[] = [ourSide(), ...('root' in published ? [publishedSide(published.root)] : [])]
  const children: DestinationChild[] = []
  try {
    const start = async (side: SideSpec) => {
      const child = await startDestinationChild(side, sim.standInUrl)
      children.push(child)
      return child
    }
    const startFork = async (index: number): Promise<Fork> => {
      const fork: Fork = {
        index,
        ours: { single: await start(sides[0]), batch: await start(sides[0]) },
        theirs: sides[1] && (await start(sides[1]))
      }
      log(
        `process set ${index + 1}/${FORKS}: ours in ${fork.ours.single.pid} (single events) and ${
          fork.ours.batch.pid
        } (batches)${fork.theirs ? `, published in ${fork.theirs.pid}` : ''}; stand-in in ${sim.pid}`
      )
      return fork
    }
    const closeFork = async (fork: Fork) => {
      for (const child of [fork.ours.single, fork.ours.batch, fork.theirs]) await child?.close()
    }

    // One set of processes at a time: with six sets alive at once, the measured process spent more
    // per event (our batch path's tracks: 140 µs an event, against 65 µs with one set alive).
    let validation: Pick<Results, 'ourValidation' | 'publishedValidation' | 'counts'> | undefined
    let profiles: Results['profiles'] | undefined
    const rounds: ChunkRun[][] = []
    for (let index = 0; index < FORKS; index++) {
      const fork = await startFork(index)
      if (index === 0) {
        validation = {
          counts: fork.ours.single.counts,
          ourValidation: await validateOurs(sim, fork.ours),
          publishedValidation: fork.theirs && (await validatePublished(sim, fork.theirs))
        }
        log('validated against the strict simulator')
      }
      await round(sim, fork, 0) // warm-up, not measured: a young process spends more per event
      // This set's share of the rounds, numbered on from the last set's.
      for (const end = Math.round(((index + 1) * ROUNDS) / FORKS); rounds.length < end; ) {
        const i = rounds.length
        rounds.push(await round(sim, fork, i))
        log(`round ${i + 1}/${ROUNDS} (process set ${index + 1}): ${describe(rounds[i])}`)
      }
      if (index === FORKS - 1) profiles = await profileOurs(sim, fork.ours)
      await closeFork(fork)
    }
    if (!validation || !profiles) throw new Error('no process set ran')
    log(
      `profiles: our share ${(ourShare(profiles.single) * 100).toFixed(1)}% single, ${(
        ourShare(profiles.batch) * 100
      ).toFixed(1)}% batch`
    )

    const coldEvent = benchEvents('tracks')[0]
    const [coldOurs, coldPublished] = await coldStarts(sides, coldEvent, sim.standInUrl)

    const results: Results = {
      published,
      ...validation,
      rounds,
      forks: FORKS,
      profiles,
      cold: { ours: coldOurs, published: coldPublished },
      seconds: (Date.now() - measureStart) / 1000
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    printTable(results)
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2))
    if (process.env.BENCH_DIST) log(`BENCH_DIST is set: ${REPORT} left alone`)
    else writeReport(results)
  } finally {
    for (const child of children) await child.close()
    await sim.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
