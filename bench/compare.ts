import { resolve } from 'path'
import { startDestinationChild, type DestinationChild } from './destination-child'
import type { Path } from './destination-process'
import { chunkCount, EVENT_SETS, type EventSet } from './events'
import { cpuPerItem, quantile, total, type Measurement } from './measure'
import { DIST, ourSide } from './sides'
import { startSimulatorChild, type SimulatorChild } from './simulator-child'
import type { CapturedRequest } from './simulator-protocol'

/**
 * The gate for an optimisation, and its gain: two builds of ours, each in a destination process of
 * its own (bench/destination-process.ts), against the stand-in.
 *
 * 1. Byte for byte: every request both builds send for the bench's events (single events and
 *    batches, both event sets) is captured by the stand-in, with its method, path, headers and body;
 *    the two builds must send the same requests, or the comparison stops and shows the first that
 *    differs.
 * 2. Gain: CPU per event of each build on each path, chunk by chunk (1,000 events), each chunk through
 *    both builds one right after the other; after / before over all the chunk pairs pooled, with the
 *    middle half of the pairs' own ratios and each process set's pooled ratio beside it. As in
 *    bench/run.ts, the rounds are shared out among sets of processes started one after the other
 *    (COMPARE_FORKS, default 4), each warmed up by a round of its own: two processes of one build
 *    differ by several percent for their whole life. `compare.ts dist dist` shows how far apart two
 *    builds that are the same come out (docs/benchmarks.md).
 *
 *   cp -r dist /tmp/before/dist && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   ...change src/, npm run build...
 *   node -r ts-node/register/transpile-only bench/compare.ts /tmp/before/dist [dist]
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 8
const FORKS = Math.max(1, Math.min(Number(process.env.COMPARE_FORKS) || 4, ROUNDS))
/** The paths timed; `COMPARE_PATHS=single,batch,floor,batch-floor` for others (floors: changes to the fields). */
const PATHS = (process.env.COMPARE_PATHS ?? 'single,batch').split(',') as Path[]
const GATED_PATHS: ('single' | 'batch')[] = ['single', 'batch']

const describe = (request: CapturedRequest) => JSON.stringify(request)

function redact(text: string): string {
  return text.replace(/"authorization":"[^"]*"/gi, '"authorization":"<redacted>"')
}

/** The requests `build` sends for `set` on `path`, in a fixed order (they are sent concurrently). */
async function capture(sim: SimulatorChild, build: DestinationChild, set: EventSet, path: Path): Promise<string[]> {
  await sim.reset(true)
  await build.run(set, path)
  return (await sim.captured()).map(describe).sort()
}

/**
 * Each build runs in two processes, one for the single-event paths and one for the batch paths, as in
 * bench/run.ts: a batch's garbage is not collected during, and charged to, a single-event run.
 */
type Family = 'single' | 'batch'
const familyOf = (path: Path): Family => (path === 'batch' || path === 'batch-floor' ? 'batch' : 'single')
type Builds = Record<Family, { before: DestinationChild; after: DestinationChild }>

async function sameRequests(sim: SimulatorChild, builds: Builds): Promise<number> {
  let compared = 0
  for (const set of EVENT_SETS) {
    for (const path of GATED_PATHS) {
      const { before, after } = builds[familyOf(path)]
      const [a, b] = [await capture(sim, before, set, path), await capture(sim, after, set, path)]
      const at = a.findIndex((request, i) => request !== b[i])
      if (a.length !== b.length || at >= 0) {
        const where = at >= 0 ? at : Math.min(a.length, b.length)
        throw new Error(
          `${path} ${set}: the builds send different requests (${a.length} and ${b.length}); first difference:\n` +
            `before: ${redact(a[where] ?? '(none)').slice(0, 2000)}\nafter:  ${redact(b[where] ?? '(none)').slice(
              0,
              2000
            )}`
        )
      }
      compared += a.length
    }
  }
  return compared
}

async function main(): Promise<void> {
  const [before, after = DIST] = process.argv.slice(2).map((dir) => resolve(dir))
  if (!before) throw new Error('usage: bench/compare.ts <dist before> [<dist after>]')
  const sim = await startSimulatorChild()
  const children: DestinationChild[] = []
  const start = async (dist: string) => {
    const child = await startDestinationChild(ourSide(dist), sim.standInUrl)
    children.push(child)
    return child
  }
  try {
    const startBuilds = async (): Promise<Builds> => ({
      single: { before: await start(before), after: await start(after) },
      batch: { before: await start(before), after: await start(after) }
    })
    type Runs = { before: Measurement[]; after: Measurement[] }
    const pairs: Record<string, Runs & { ratios: number[]; byFork: Runs[] }> = {}
    const first = await startBuilds()
    const counts = first.single.before.counts
    const compared = await sameRequests(sim, first)
    process.stdout.write(
      `same requests, byte for byte: ${compared} requests of each build (method, path, headers, body)\n`
    )
    let turn = 0
    let round = 0
    // One set of processes at a time (as in bench/run.ts), each warmed up on its paths, then given
    // its share of the rounds; chunk by chunk, each chunk through both builds one right after the
    // other, the first alternating.
    for (let fork = 0; fork < FORKS; fork++) {
      const builds = fork === 0 ? first : await startBuilds()
      // A warm-up round, not measured: a young process spends more per event.
      for (const set of EVENT_SETS) {
        for (let chunk = 0; chunk < chunkCount(counts[set]); chunk++) {
          for (const path of PATHS) {
            const { before: b, after: a } = builds[familyOf(path)]
            for (const build of [b, a]) await build.run(set, path, { chunk })
          }
        }
      }
      for (const end = Math.round(((fork + 1) * ROUNDS) / FORKS); round < end; round++) {
        for (const set of EVENT_SETS) {
          for (let chunk = 0; chunk < chunkCount(counts[set]); chunk++) {
            for (const path of PATHS) {
              const key = `${path} ${set}`
              const { before: b, after: a } = builds[familyOf(path)]
              const order = turn++ % 2 ? [a, b] : [b, a]
              const measured = new Map<DestinationChild, Measurement>()
              for (const build of order) {
                await sim.reset()
                measured.set(build, (await build.run(set, path, { chunk })).measured)
              }
              const [x, y] = [measured.get(b) as Measurement, measured.get(a) as Measurement]
              const entry = (pairs[key] ??= {
                before: [],
                after: [],
                ratios: [],
                byFork: Array.from({ length: FORKS }, () => ({ before: [], after: [] }))
              })
              for (const runs of [entry, entry.byFork[fork]]) {
                runs.before.push(x)
                runs.after.push(y)
              }
              entry.ratios.push(cpuPerItem(y) / cpuPerItem(x))
            }
          }
        }
      }
      for (const family of Object.values(builds)) for (const child of Object.values(family)) await child.close()
    }
    process.stdout.write(`before ${before}\nafter  ${after}\n`)
    for (const [key, { before: x, after: y, ratios, byFork }] of Object.entries(pairs)) {
      // Pooled: all chunks' CPU of one build against the other's (as bench/report.ts judges).
      const [was, is] = [cpuPerItem(total(x)), cpuPerItem(total(y))]
      const change = (is / was - 1) * 100
      process.stdout.write(
        `${`CPU per event, ${key}`.padEnd(34)} ${was.toFixed(1).padStart(8)} -> ${is.toFixed(1).padStart(8)} µs   ` +
          `after/before ${(is / was).toFixed(3)} (${change >= 0 ? '+' : ''}${change.toFixed(1)}%; ${
            ratios.length
          } chunk pairs pooled, the pairs' middle half ${quantile(ratios, 0.25).toFixed(3)} to ${quantile(
            ratios,
            0.75
          ).toFixed(3)}; by process set ${byFork
            .filter((runs) => runs.before.length > 0)
            .map((runs) => (cpuPerItem(total(runs.after)) / cpuPerItem(total(runs.before))).toFixed(3))
            .join(', ')})\n`
      )
    }
  } finally {
    for (const child of children) await child.close()
    await sim.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
