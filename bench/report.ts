import { existsSync, readFileSync, writeFileSync } from 'fs'
import { cpus } from 'os'
import { join } from 'path'
import { format, resolveConfig } from 'prettier'
import type { ColdStart } from './cold-start'
import { RUNS as COLD_RUNS } from './cold-start'
import { DIST } from './destination'
import { cpuPerItem, median, perSecond, quantile, type Measurement } from './measure'
import { BATCH_CONCURRENCY, BATCH_SIZE, CONCURRENCY } from './phases'
import { combine, ourShare, type ProfileShares } from './profile'

/** The bench's table, on the console and in docs/benchmarks.md (between the two markers below). */

export const REPORT = join(__dirname, '..', 'docs', 'benchmarks.md')
export const COMMAND = 'npm run bench'
const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->'
const END = '<!-- bench:end -->'

export type Variant = 'destination' | 'replay' | 'floor' | 'ceiling'

/** One round: every event through each single-event variant (summed over the chunks), then the batches. */
export interface Round extends Record<Variant, Measurement> {
  /** (D - R) / D of each chunk: D and R ran one after the other on the same events. */
  chunkOwnShares: number[]
  batch: Measurement
  /** HTTP requests the simulator answered: for all the single events, and for all the batches. */
  singleRequests: number
  batchRequests: number
  /** A CPU profile of every event through the destination once more (one onEvent run). */
  profile: ProfileShares
}

export interface Results {
  events: number
  batches: number
  rounds: Round[]
  properties: Measurement
  builders: Measurement
  cold: ColdStart
  seconds: number
}

interface Figures {
  eps: Record<Variant | 'batch', number>
  cpu: Record<Variant | 'batch', number>
  /** The criterion: our code's share of the profiles' busy samples (all rounds' samples together). */
  profiled: { share: number; rounds: number[]; combined: ProfileShares }
  /** (D - R) / D, median of the chunk pairs, and their middle half. */
  paired: { share: number; micros: number; quartiles: [number, number]; count: number }
  /** (D - F - C) / D, median of the rounds. */
  subtracted: { share: number; micros: number }
  requestsPer1000: { single: number; batch: number }
}

const VARIANTS: (Variant | 'batch')[] = ['destination', 'replay', 'floor', 'ceiling', 'batch']

function figures(results: Results): Figures {
  const { rounds } = results
  const mid = (pick: (round: Round) => number) => median(rounds.map(pick))
  const eps = {} as Figures['eps']
  const cpu = {} as Figures['cpu']
  for (const variant of VARIANTS) {
    eps[variant] = mid((r) => perSecond(r[variant]))
    cpu[variant] = mid((r) => cpuPerItem(r[variant]))
  }
  const D = (r: Round) => cpuPerItem(r.destination)
  const ownMicros = (r: Round) => D(r) - cpuPerItem(r.replay)
  const subtractedMicros = (r: Round) => D(r) - cpuPerItem(r.floor) - cpuPerItem(r.ceiling)
  const shares = rounds.flatMap((r) => r.chunkOwnShares)
  return {
    eps,
    cpu,
    profiled: {
      share: ourShare(combine(rounds.map((r) => r.profile))),
      rounds: rounds.map((r) => ourShare(r.profile)),
      combined: combine(rounds.map((r) => r.profile))
    },
    paired: {
      share: median(shares),
      micros: mid(ownMicros),
      quartiles: [quantile(shares, 0.25), quantile(shares, 0.75)],
      count: shares.length
    },
    subtracted: { share: mid((r) => subtractedMicros(r) / D(r)), micros: mid(subtractedMicros) },
    requestsPer1000: {
      single: mid((r) => (r.singleRequests * 1000) / results.events),
      batch: mid((r) => (r.batchRequests * 1000) / results.events)
    }
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const one = (n: number) => n.toFixed(1)
const pct = (n: number) => `${(n * 100).toFixed(1)}%`

function rows(results: Results, f: Figures): string[][] {
  const { cold, properties, builders } = results
  const profile = f.profiled.combined
  const busy = profile.samples.ours + profile.samples.framework + profile.samples.runtime
  const batchRatio = f.eps.batch / f.eps.destination
  return [
    ['#', 'measure', 'result', 'ratio'],
    [
      '1',
      `single events: \`onEvent\`, presets as subscriptions, ${CONCURRENCY} in flight, simulator on loopback`,
      `${int(f.eps.destination)} events/s`,
      '1 (reference)'
    ],
    [
      '2',
      'ceiling: the same request bodies, request client alone (same headers), same simulator',
      `${int(f.eps.ceiling)} requests/s`,
      `single = ${pct(f.eps.destination / f.eps.ceiling)} of ceiling`
    ],
    [
      '3',
      'floor: same events and mappings through actions-core, perform sends nothing',
      `${int(f.eps.floor)} events/s`,
      `single = ${pct(f.eps.destination / f.eps.floor)} of floor`
    ],
    [
      '3b',
      'replay: framework + request client as in 1, our per-event code replaced by a lookup of its request',
      `${int(f.eps.replay)} events/s`,
      `single = ${pct(f.eps.destination / f.eps.replay)} of replay`
    ],
    [
      '4',
      `batches: \`onBatch\`, ${int(BATCH_SIZE)} events a batch (identify, track, page), ${BATCH_CONCURRENCY} in flight`,
      `${int(f.eps.batch)} events/s`,
      `**${one(batchRatio)}x** single`
    ],
    [
      '4',
      'HTTP requests per 1,000 events (counted at the simulator)',
      `single ${int(f.requestsPer1000.single)}, batches ${one(f.requestsPer1000.batch)}`,
      `${int(f.requestsPer1000.single / f.requestsPer1000.batch)}x fewer`
    ],
    [
      '5',
      '`normalizeProperties` alone, 60-key traits (nested objects, products list)',
      `${int(perSecond(properties))} objects/s`,
      `${one(1e6 / perSecond(properties))} µs each`
    ],
    [
      '6',
      `cold start: new node process, load dist/, \`new Destination\`, one event (median of ${COLD_RUNS})`,
      `**${int(cold.wallMs)} ms**, peak RSS ${int(cold.maxRssMb)} MB`,
      `load ${int(cold.loadMs)} ms, construct ${one(cold.constructMs)} ms, first event ${int(cold.eventMs)} ms`
    ],
    [
      'cpu',
      'CPU per event in the destination process: destination D, replay R, floor F, ceiling C',
      `D ${int(f.cpu.destination)}, R ${int(f.cpu.replay)}, F ${int(f.cpu.floor)}, C ${int(f.cpu.ceiling)} µs`,
      `batches ${one(f.cpu.batch)} µs/event`
    ],
    [
      '**own**',
      "**the destination's own share of per-event CPU: CPU profile, samples owned by our code (GC pro rata)**",
      `**${pct(f.profiled.share)}**`,
      `rounds ${f.profiled.rounds.map(pct).join(', ')}; framework ${pct(
        profile.samples.framework / busy
      )}, runtime ${pct(profile.samples.runtime / busy)}; GC ${pct(profile.samples.gc / profile.total)} of all`
    ],
    [
      'check',
      'paired runs, unbiased but noisy: (D - R) / D, R the replay without our code',
      `${pct(f.paired.share)} (${int(f.paired.micros)} µs of ${int(f.cpu.destination)})`,
      `median of ${f.paired.count} chunk pairs; middle half ${pct(f.paired.quartiles[0])} to ${pct(
        f.paired.quartiles[1]
      )}`
    ],
    [
      'check',
      'upper bound, framework-HTTP interplay included: (D - F - C) / D',
      `${pct(f.subtracted.share)} (${int(f.subtracted.micros)} µs)`,
      ''
    ],
    [
      'check',
      'lower bound: our builders alone (`buildUserRequest` / `buildEventRequest` on the mapped payloads)',
      `${one(cpuPerItem(builders))} µs/event`,
      `${pct(cpuPerItem(builders) / f.cpu.destination)} of D`
    ]
  ]
}

function markdownTable(table: string[][]): string {
  const [head, ...body] = table
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n')
}

function environment(results: Results): string[] {
  const cpu = cpus()
  return [
    `- Command: \`${COMMAND}\` (${one(results.seconds)} s for the measurements, build excluded)`,
    `- Date: ${new Date().toISOString()}`,
    `- Node ${process.version} on ${process.platform}/${process.arch}, ${cpu.length} cores (${
      cpu[0]?.model.trim() ?? 'unknown'
    })`,
    `- ${results.events.toLocaleString('en-US')} events (20% identify, 40% track, 40% page), ${
      results.rounds.length
    } rounds of the network phases, medians shown`,
    `- Package measured: ${process.env.BENCH_DIST ? `\`${DIST}\` (BENCH_DIST)` : 'the build in `dist/`'}`
  ]
}

function block(results: Results): string {
  const f = figures(results)
  const profile = f.profiled.combined
  const busy = profile.samples.ours + profile.samples.framework + profile.samples.runtime
  const top = Object.entries(profile.selfOurs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
  const perRound = results.rounds.map((r, i) => {
    const D = cpuPerItem(r.destination)
    return `| ${i + 1} | ${int(perSecond(r.destination))} | ${int(perSecond(r.replay))} | ${int(
      perSecond(r.floor)
    )} | ${int(perSecond(r.ceiling))} | ${int(perSecond(r.batch))} | ${int(D)} | ${int(cpuPerItem(r.replay))} | ${int(
      cpuPerItem(r.floor)
    )} | ${int(cpuPerItem(r.ceiling))} | ${pct(ourShare(r.profile))} | ${pct((D - cpuPerItem(r.replay)) / D)} |`
  })
  return [
    ...environment(results),
    '',
    markdownTable(rows(results, f)),
    '',
    'Per round (events or requests per second, then CPU µs per event in the destination process, then the two own-share figures):',
    '',
    '| round | single | replay | floor | ceiling | batches | D | R | F | C | own (profile) | (D - R) / D |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...perRound,
    '',
    'Self time in our own files in the profiles (top functions, share of busy samples):',
    '',
    ...top.map(([name, samples]) => `- \`${name}\`: ${pct(samples / busy)}`)
  ].join('\n')
}

export function printTable(results: Results): void {
  const f = figures(results)
  const table = rows(results, f).map((cells) => cells.map((c) => c.replace(/\*\*/g, '').replace(/`/g, '')))
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
  const out = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  '))
  process.stdout.write(['', ...environment(results), '', ...out, ''].join('\n') + '\n')
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
