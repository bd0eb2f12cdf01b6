import { existsSync, readFileSync, writeFileSync } from 'fs'
import { cpus } from 'os'
import { join } from 'path'
import { format, resolveConfig } from 'prettier'
import { RUNS as COLD_RUNS, type ColdStart } from './cold-start'
import type { Validation } from './destination-process'
import { BATCH_SIZE, CHUNK, EVENT_SETS, IN_FLIGHT, type EventSet } from './events'
import { cpuPerItem, median, perSecond, quantile, total, type Measurement } from './measure'
import { ourShare, type ProfileShares } from './profile'
import { FRAMEWORK_VERSION, PUBLISHED_PACKAGE, PUBLISHED_VERSION, type Published } from './published'
import { DIST, type SideName } from './sides'
import { TARGETS, verdict, type Target } from './targets'

/** The bench's table, on the console and in docs/benchmarks.md (between the two markers below). */

export const REPORT = join(__dirname, '..', 'docs', 'benchmarks.md')
export const COMMAND = 'npm run bench'
const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->'
const END = '<!-- bench:end -->'

/** One destination's timed runs of one chunk. */
export interface SideRun {
  single: Measurement
  floor: Measurement
  /** HTTP requests the stand-in answered for the single run. */
  singleRequests: number
}

export interface OurRun extends SideRun {
  batch: Measurement
  batchFloor: Measurement
  batchRequests: number
}

/** One chunk (CHUNK events of one set) through every variant, one right after the other. */
export interface ChunkRun {
  set: EventSet
  chunk: number
  /** The set of processes it ran in (bench/run.ts, `Fork`). */
  fork: number
  /** The destination whose single events went first. */
  first: SideName
  ours: OurRun
  published?: SideRun
  /** CPU of the stand-in's process per request it answered, over the chunk's single runs. */
  standInMicrosPerRequest: number
}

export interface Results {
  published: Published
  /** The published destination's requests through the strict simulator: what it refused. */
  publishedValidation?: Record<EventSet, Validation>
  /** Our requests through the strict simulator (all must be accepted): requests sent, single and batch. */
  ourValidation: Record<EventSet, { single: number; batch: number }>
  counts: Record<EventSet, number>
  /** Each round: every chunk of every set. */
  rounds: ChunkRun[][]
  /** Sets of processes the rounds were shared out among, one set after the other (bench/run.ts). */
  forks: number
  profiles: { single: ProfileShares; batch: ProfileShares; singleRepeats: number; batchRepeats: number }
  cold: { ours: ColdStart; published?: ColdStart }
  seconds: number
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const one = (n: number) => n.toFixed(1)
const two = (n: number) => n.toFixed(2)
const plural = (n: number, word: string) => `${int(n)} ${word}${n === 1 ? '' : 's'}`
const pct = (n: number) => `${(n * 100).toFixed(1)}%`

/**
 * A ratio from the chunk pairs (the two runs one right after the other on the same events): the
 * pooled ratio, all pairs' CPU (or events per second) on one side against all of the other's, and
 * the middle half of the pairs' own ratios beside it. Pooled, not a median of the pairs: garbage
 * collection lands in some chunks and not others, a real cost that a median would leave out.
 * Beside them, the pooled ratio of each set of processes: how far one process pair alone would
 * have put it.
 */
interface Ratio {
  pooled: number
  low: number
  high: number
  pairs: number
  byFork: number[]
}

function ratio(
  chunks: ChunkRun[],
  pick: (chunk: ChunkRun) => [Measurement, Measurement] | undefined,
  per: (m: Measurement) => number
): Ratio | undefined {
  const forked = chunks.flatMap((chunk) => {
    const pair = pick(chunk)
    return pair ? [{ fork: chunk.fork, pair }] : []
  })
  if (forked.length === 0) return undefined
  const pairs = forked.map(({ pair }) => pair)
  const values = pairs.map(([a, b]) => per(a) / per(b))
  const pooledOf = (of: [Measurement, Measurement][]) =>
    per(total(of.map(([a]) => a))) / per(total(of.map(([, b]) => b)))
  const forks = [...new Set(forked.map(({ fork }) => fork))].sort((a, b) => a - b)
  const byFork = forks.map((fork) => pooledOf(forked.filter((f) => f.fork === fork).map(({ pair }) => pair)))
  return {
    pooled: pooledOf(pairs),
    low: quantile(values, 0.25),
    high: quantile(values, 0.75),
    pairs: pairs.length,
    byFork
  }
}

const showRatio = (r: Ratio | undefined) =>
  r
    ? `**${two(r.pooled)}x** (${plural(r.pairs, 'chunk pair')} pooled; the pairs' middle half ${two(r.low)}x to ${two(
        r.high
      )}x${r.byFork.length > 1 ? `; by process set ${r.byFork.map((x) => `${two(x)}x`).join(', ')}` : ''})`
    : 'n/a'

interface Row {
  measure: string
  published: string
  ours: string
  ratio: string
  target?: Target
  /** The value judged against the target. */
  value?: number
}

const setLabel = (set: EventSet, count: number) =>
  set === 'tracks' ? `${int(count)} \`Order Completed\` tracks with products` : `${int(count)} identifies`

function rows(results: Results): Row[] {
  const chunks = results.rounds.flat()
  const us = (value: number | undefined) => (value === undefined ? 'n/a' : `${int(value)} µs`)
  const eps = (value: number | undefined) => (value === undefined ? 'n/a' : `${int(value)} events/s`)
  const out: Row[] = []

  for (const set of EVENT_SETS) {
    const label = setLabel(set, results.counts[set])
    const of = chunks.filter((chunk) => chunk.set === set)
    /** All the chunks' runs of one kind as one: CPU per event and events per second over all rounds. */
    const pooled = (pick: (chunk: ChunkRun) => Measurement | undefined) => {
      const runs = of.flatMap((chunk) => pick(chunk) ?? [])
      return runs.length ? total(runs) : undefined
    }
    const cpu = (m: Measurement | undefined) => m && cpuPerItem(m)
    const speed = (m: Measurement | undefined) => m && perSecond(m)
    /** Ours against theirs, chunk pair by chunk pair: `per` of the runs `pick` (`ourPick`) chooses. */
    const pair = (
      per: (m: Measurement) => number,
      pick: (run: SideRun | OurRun) => Measurement,
      ourPick: (run: OurRun) => Measurement = pick
    ) => ratio(of, (chunk) => chunk.published && [ourPick(chunk.ours), pick(chunk.published)], per)
    const batchRun = (run: OurRun) => run.batch
    const single = pair(cpuPerItem, (run) => run.single)
    const batch = pair(cpuPerItem, (run) => run.single, batchRun)
    out.push(
      {
        measure: `CPU per event, single events (\`onEvent\`, ${IN_FLIGHT} in flight): ${label}`,
        published: us(cpu(pooled((c) => c.published?.single))),
        ours: us(cpu(pooled((c) => c.ours.single))),
        ratio: showRatio(single),
        target: TARGETS.singleCpuRatio,
        value: single?.pooled
      },
      {
        measure: `throughput, single events: ${label}`,
        published: eps(speed(pooled((c) => c.published?.single))),
        ours: eps(speed(pooled((c) => c.ours.single))),
        ratio: showRatio(pair(perSecond, (run) => run.single))
      },
      {
        measure: `CPU per event, our batch path (\`onBatch\`, ${int(
          BATCH_SIZE
        )} a batch) against their single event: ${label}`,
        published: `(no batch path) ${us(cpu(pooled((c) => c.published?.single)))}`,
        ours: us(cpu(pooled((c) => c.ours.batch))),
        ratio: showRatio(batch),
        target: TARGETS.batchCpuRatio,
        value: batch?.pooled
      },
      {
        measure: `throughput, our batch path against their single events: ${label}`,
        published: eps(speed(pooled((c) => c.published?.single))),
        ours: eps(speed(pooled((c) => c.ours.batch))),
        ratio: showRatio(pair(perSecond, (run) => run.single, batchRun))
      },
      {
        measure: `framework floor, single events (perform returns at once: matching, mapping, validation): ${set}`,
        published: us(cpu(pooled((c) => c.published?.floor))),
        ours: us(cpu(pooled((c) => c.ours.floor))),
        ratio: showRatio(pair(cpuPerItem, (run) => run.floor))
      },
      {
        measure: `framework floor of our batch path (performBatch returns at once): ${set}`,
        published: '',
        ours: us(cpu(pooled((c) => c.ours.batchFloor))),
        ratio: ''
      }
    )
  }

  const { profiles } = results
  out.push({
    measure: `our own share of batch-path CPU (CPU profile of both sets through \`onBatch\`, ${profiles.batchRepeats} times)`,
    published: '',
    ours: `**${pct(ourShare(profiles.batch))}** (${shares(profiles.batch)})`,
    ratio: '',
    target: TARGETS.batchOwnShare,
    value: ourShare(profiles.batch)
  })
  out.push({
    measure: `our own share of single-event CPU (CPU profile of both sets through \`onEvent\`, ${profiles.singleRepeats} time)`,
    published: '',
    ours: `${pct(ourShare(profiles.single))} (${shares(profiles.single)})`,
    ratio: ''
  })

  // Requests per 1,000 events over every timed chunk (the stand-in counted them; each run checked).
  const per1000 = (pick: (chunk: ChunkRun) => [number, number] | undefined) => {
    const counted = chunks.map(pick).filter((pair): pair is [number, number] => pair !== undefined)
    if (counted.length === 0) return undefined
    const [requests, events] = counted.reduce(([r, e], [cr, ce]) => [r + cr, e + ce], [0, 0])
    return (requests * 1000) / events
  }
  const batchPer1000 = per1000((c) => [c.ours.batchRequests, c.ours.batch.items])
  const theirsPer1000 = per1000((c) => c.published && [c.published.singleRequests, c.published.single.items])
  const oursSinglePer1000 = per1000((c) => [c.ours.singleRequests, c.ours.single.items])
  out.push({
    measure: 'HTTP requests per 1,000 events (counted at the stand-in), both sets',
    published: theirsPer1000 === undefined ? 'n/a' : `single ${int(theirsPer1000)}`,
    ours: `single ${int(oursSinglePer1000 ?? NaN)}, batch **${one(batchPer1000 ?? NaN)}**`,
    ratio: '',
    target: TARGETS.batchRequestsPer1000,
    value: batchPer1000
  })

  const { cold } = results
  const coldText = (c: ColdStart) =>
    `**${int(c.wallMs)} ms** (load ${int(c.loadMs)}, construct ${one(c.constructMs)}, first event ${int(
      c.eventMs
    )}; its CPU ${int(c.cpuMs)} ms; RSS ${int(c.maxRssMb)} MB)`
  out.push({
    measure: `cold start: new node process, load, \`new Destination\`, first event (median of ${COLD_RUNS})`,
    published: cold.published ? coldText(cold.published) : 'n/a',
    ours: coldText(cold.ours),
    ratio: cold.published ? `${two(cold.ours.wallMs / cold.published.wallMs)}x` : '',
    target: TARGETS.coldStartMs,
    value: cold.ours.wallMs
  })
  out.push({
    measure: "the stand-in's CPU per request (its own process; charged to neither side)",
    published: '',
    ours: us(median(chunks.map((chunk) => chunk.standInMicrosPerRequest))),
    ratio: ''
  })
  return out
}

function shares(profile: ProfileShares): string {
  const busy = profile.samples.ours + profile.samples.framework + profile.samples.runtime
  return `framework ${pct(profile.samples.framework / busy)}, runtime ${pct(profile.samples.runtime / busy)}; GC ${pct(
    profile.samples.gc / profile.total
  )} of all samples`
}

function table(results: Results): string[][] {
  const head = [
    'measure',
    results.published && 'root' in results.published ? `published ${PUBLISHED_VERSION}` : 'published (skipped)',
    'ours',
    'ours / published',
    'target',
    'verdict'
  ]
  return [
    head,
    ...rows(results).map((row) => [
      row.measure,
      row.published,
      row.ours,
      row.ratio,
      row.target?.text ?? '',
      row.target ? `**${verdict(row.target, row.value)}**` : ''
    ])
  ]
}

function markdownTable(cells: string[][]): string {
  const [head, ...body] = cells
  const line = (row: string[]) => `| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n')
}

function publishedLine(results: Results): string {
  const { published } = results
  if ('skipped' in published) return `- Side-by-side: skipped (${published.skipped}); our figures only.`
  return `- Published destination: \`${PUBLISHED_PACKAGE}@${PUBLISHED_VERSION}\` (FullStory's \`dist/destinations/fullstory\`), on \`@segment/actions-core@${FRAMEWORK_VERSION}\` as ours, ${
    published.installed === 'now' ? 'installed now' : 'from the cache'
  } in \`${published.root}\`, outside the repository; not a dependency of this package.`
}

function validationLines(results: Results): string[] {
  const ours = EVENT_SETS.map(
    (set) =>
      `${set}: ${int(results.ourValidation[set].single)} single requests and ${plural(
        results.ourValidation[set].batch,
        'batch job'
      )}`
  ).join('; ')
  const lines = [`- Our requests through the strict simulator before the timed runs, all accepted: ${ours}.`]
  const theirs = results.publishedValidation
  if (theirs) {
    const parts = EVENT_SETS.map((set) => {
      const failures = Object.entries(theirs[set].failures)
      const refused = failures.reduce((sum, [, count]) => sum + count, 0)
      return `${set}: ${int(refused)} of ${int(theirs[set].sent)} refused${
        failures.length ? ` (${failures.map(([why, count]) => `${int(count)} × \`${why}\``).join('; ')})` : ''
      }`
    })
    lines.push(
      `- The published destination's requests through the same strict simulator: ${parts.join(
        '; '
      )}. The timed runs use the stand-in, which answers every request of both destinations as FullStory answers a success.`
    )
  }
  return lines
}

function environment(results: Results): string[] {
  const cpu = cpus()
  return [
    `- Command: \`${COMMAND}\`; every figure below comes from this one run (${one(
      results.seconds
    )} s, the build and any install excluded).`,
    `- Date: ${new Date().toISOString()}; Node ${process.version} on ${process.platform}/${process.arch}, ${
      cpu.length
    } cores (${cpu[0]?.model.trim() ?? 'unknown'})`,
    `- Ours: ${process.env.BENCH_DIST ? `\`${DIST}\` (BENCH_DIST)` : 'the build in `dist/`'}. ${plural(
      results.rounds.length,
      'round'
    )} of ${int(
      CHUNK
    )}-event chunks, each chunk through every variant in turn (single events of both, the one going first alternating; our batch; the floors); our single events and our batch path each in a process of their own; ${plural(
      results.forks,
      'set'
    )} of such processes one after the other, each warmed up and then given its share of the rounds in order.`,
    publishedLine(results),
    ...validationLines(results)
  ]
}

function perRoundTable(results: Results): string[] {
  const head =
    '| round | process set | set | published µs/event | ours µs/event | ratio | ours batch µs/event | batch / their single | published events/s | ours events/s |'
  const lines = [
    head,
    `| ${head
      .split('|')
      .slice(2, -1)
      .map(() => '---')
      .join(' | ')} |`
  ]
  results.rounds.forEach((chunks, i) => {
    for (const set of EVENT_SETS) {
      const of = chunks.filter((chunk) => chunk.set === set)
      const theirs = of.every((chunk) => chunk.published)
        ? total(of.map((c) => c.published as SideRun).map((r) => r.single))
        : undefined
      const ours = total(of.map((c) => c.ours.single))
      const batch = total(of.map((c) => c.ours.batch))
      const p = theirs ? cpuPerItem(theirs) : NaN
      lines.push(
        `| ${i + 1} | ${(of[0]?.fork ?? 0) + 1} | ${set} | ${int(p)} | ${int(cpuPerItem(ours))} | ${two(
          cpuPerItem(ours) / p
        )}x | ${int(cpuPerItem(batch))} | ${two(cpuPerItem(batch) / p)}x | ${int(
          theirs ? perSecond(theirs) : NaN
        )} | ${int(perSecond(ours))} |`
      )
    }
  })
  return lines
}

function topOwn(profile: ProfileShares, count: number): string[] {
  const busy = profile.samples.ours + profile.samples.framework + profile.samples.runtime
  return Object.entries(profile.selfOurs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, samples]) => `- \`${name}\`: ${pct(samples / busy)}`)
}

function block(results: Results): string {
  return [
    ...environment(results),
    '',
    markdownTable(table(results)),
    '',
    'Per round (all chunks of a set together: CPU per event in each destination process; events per second):',
    '',
    ...perRoundTable(results),
    '',
    'Self time in our own files, batch-path profile (top functions, share of busy samples):',
    '',
    ...topOwn(results.profiles.batch, 8),
    '',
    'Self time in our own files, single-event profile:',
    '',
    ...topOwn(results.profiles.single, 8)
  ].join('\n')
}

export function printTable(results: Results): void {
  const cells = table(results).map((row) => row.map((c) => c.replace(/\*\*/g, '').replace(/`/g, '')))
  const lines = cells.map((row) => {
    const [measure, ...rest] = row
    return `${measure}\n    ${rest
      .map((c, i) => (c ? `${cells[0][i + 1]}: ${c}` : ''))
      .filter(Boolean)
      .join(' | ')}`
  })
  const env = environment(results).map((line) => line.replace(/`/g, ''))
  process.stdout.write(['', ...env, '', ...lines.slice(1), ''].join('\n') + '\n')
}

export function writeReport(results: Results): void {
  const generated = `${BEGIN}\n${block(results)}\n${END}`
  const current = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : ''
  const begin = current.indexOf(BEGIN)
  const end = current.indexOf(END)
  const text =
    begin >= 0 && end > begin
      ? current.slice(0, begin) + generated + current.slice(end + END.length)
      : `# Benchmarks\n\n${generated}\n`
  // In the repository's prettier style, so that `npm run format` leaves the file as it is.
  writeFileSync(REPORT, format(text, { ...(resolveConfig.sync(REPORT) ?? {}), parser: 'markdown' }))
  process.stdout.write(`wrote ${REPORT}\n`)
}
