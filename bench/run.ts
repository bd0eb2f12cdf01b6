import { execFile as execFileCallback, fork, spawnSync } from 'child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs'
import { cpus, homedir, loadavg, tmpdir } from 'os'
import { dirname, join, resolve } from 'path'
import { performance } from 'perf_hooks'
import { promisify } from 'util'
import { format, resolveConfig } from 'prettier'
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript'
import { FULLSTORY_API_URL } from '../src/api/client'
import { benchEvents, COUNTS, EVENT_SETS } from './events'
import type { EventSet } from './events'
import { dependencies } from '../package.json'
import type { Timed } from './worker'

/**
 * `npm run bench` (docs/benchmarks.md): our destination beside the published one, each in processes
 * of its own (bench/worker.ts), against the stand-in FullStory in another (bench/stand-in.ts), chunk
 * by chunk (1,000 events), the sides one right after the other; then cold starts and one large batch.
 */

const ROOT = join(__dirname, '..')
const [ROUNDS, FORKS] = [Number(process.env.BENCH_ROUNDS) || 12, Number(process.env.BENCH_FORKS) || 3]
const DIST = resolve(process.env.BENCH_DIST ?? join(ROOT, 'dist'))
const BASELINE = process.env.BENCH_BASELINE && join(resolve(process.env.BENCH_BASELINE), 'index.js')
const execFile = promisify(execFileCallback)
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)
/** A copy of dist/ elsewhere runs on this checkout's packages unless it has its own beside it. */
const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }

/** The processes' code as plain JavaScript (no ts-node in a process measured), in a folder of its own. */
const CODE = mkdtempSync(join(tmpdir(), 'fullstory-bench-'))
for (const file of ['bench/worker.ts', 'bench/events.ts', 'bench/stand-in.ts', 'dev/pointed.ts']) {
  const compilerOptions = { module: ModuleKind.Node16, target: ScriptTarget.ES2020, esModuleInterop: true }
  mkdirSync(dirname(join(CODE, file)), { recursive: true })
  const { outputText } = transpileModule(readFileSync(join(ROOT, file), 'utf8'), { compilerOptions })
  writeFileSync(join(CODE, file.replace(/ts$/, 'js')), outputText)
}
// dev/pointed.ts takes FullStory's address from src/api/client.ts: the processes need only that.
mkdirSync(join(CODE, 'src', 'api'), { recursive: true })
writeFileSync(join(CODE, 'src', 'api', 'client.js'), `exports.FULLSTORY_API_URL = '${FULLSTORY_API_URL}'\n`)
const WORKER = join(CODE, 'bench', 'worker.js')

/**
 * Segment's published destination (npm @segment/action-destinations, dist/destinations/fullstory), installed on
 * demand into a cache OUTSIDE the repository, never a dependency of this package; on our actions-core version, with
 * ajv's fast-uri pinned as ours is (newer ones refuse a destination name with spaces or parentheses).
 */
const PUBLISHED = '3.387.0'
function published(): { file: string } | { skipped: string } {
  const home = join(homedir(), '.cache', 'actions-fullstory-cloud-bench', `action-destinations-${PUBLISHED}`)
  const cache = process.env.BENCH_PUBLISHED_CACHE ?? home
  const file = join(cache, 'node_modules/@segment/action-destinations/dist/destinations/fullstory/index.js')
  if (existsSync(file)) return { file }
  const overrides = { 'fast-uri': '3.1.5', '@segment/actions-core': dependencies['@segment/actions-core'] }
  const manifest = { private: true, dependencies: { '@segment/action-destinations': PUBLISHED }, overrides }
  mkdirSync(cache, { recursive: true })
  writeFileSync(join(cache, 'package.json'), JSON.stringify(manifest))
  log(`installing @segment/action-destinations@${PUBLISHED} into ${cache} (once)`)
  // npm run hands its own settings down (npm_* variables, its prefix among them): the install must not see them.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev']
  const npm = spawnSync('npm', args, { cwd: cache, env: clean, encoding: 'utf8', timeout: 600_000 })
  return existsSync(file) ? { file } : { skipped: `npm install in ${cache} failed: ${npm.stderr?.split('\n')[0]}` }
}

/** A forked process, and its answer to each message (the first answer: it is ready). */
async function start(script: string, args: string[]) {
  const child = fork(script, args, { env, execArgv: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [] })
  child.on('exit', (code) => code && (log(`${args[0] ?? script} exited with ${code}`), process.exit(1)))
  const call = <T>(message?: object) =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (r: { error?: string }) => (r.error ? reject(new Error(r.error)) : resolve(r as T)))
      if (message) child.send(message)
    })
  return { child, call, ready: await call<unknown>() }
}

type Side = 'ours' | 'published' | 'floor' | 'batch' | 'baseline' | 'frame'
const variantOf = (side: Side) =>
  side === 'ours' || side === 'published' ? 'single' : side === 'baseline' ? 'batch' : side
/** Each chunk's runs, one right after the other; who goes first in a pair alternates chunk by chunk. */
const ORDER: Side[][] = [['ours', 'published'], ['floor'], ['batch', 'baseline'], ['frame']]
type Counts = Record<string, number>
type Sample = Timed & { side: Side; set: EventSet; pair: string; requests: Counts }

async function main(): Promise<void> {
  const theirs = published()
  if ('skipped' in theirs) log(`measuring ours alone: ${theirs.skipped}`)
  const standIn = await start(join(CODE, 'bench', 'stand-in.js'), [])
  const url = standIn.ready as string
  const take = async () => ((await (await fetch(`${url}/~bench/take`)).json()) as { counts: Counts }).counts
  const ours = join(DIST, 'index.js')
  const files: Partial<Record<Side, string>> = { ours, batch: ours, baseline: BASELINE }
  if ('file' in theirs) files.published = theirs.file
  const samples: Sample[] = []
  for (let f = 0, round = 0; f < FORKS; f++) {
    const workers: Partial<Record<Side, Awaited<ReturnType<typeof start>>>> = {}
    for (const side of ['ours', 'batch', 'published', 'baseline'] as const) {
      const file = files[side]
      if (file) workers[side] = await start(WORKER, ['serve', file, url, side === 'ours' ? 'floor' : ''])
    }
    ;[workers.floor, workers.frame] = [workers.ours, workers.batch]
    log(`processes: ${Object.entries(workers).map(([side, worker]) => `${side} ${worker?.child.pid}`)}`)
    await take()
    // A round not kept (a young process spends more per event), then this set's share of the rounds.
    const [first, end] = [round, Math.round(((f + 1) * ROUNDS) / FORKS)]
    for (let r = first - 1; r < end; r++) {
      for (const set of EVENT_SETS) {
        for (let chunk = 0; chunk < COUNTS[set] / 1000; chunk++) {
          for (const side of ORDER.flatMap((sides) => ((r + chunk) % 2 ? [...sides].reverse() : sides))) {
            const timed = await workers[side]?.call<Sample>({ variant: variantOf(side), set, chunk })
            const requests = await take()
            if (!timed) continue
            const sent = sum(Object.entries(requests).map(([kind, n]) => (kind.startsWith('POST') ? n : 0)))
            const posts = side === 'frame' ? 0 : timed.events / (variantOf(side) === 'batch' ? 1000 : 1)
            if (sent !== posts) throw new Error(`${side} ${set} chunk ${chunk} sent ${JSON.stringify(requests)}`)
            if (r >= first) samples.push({ ...timed, side, set, requests, pair: `${r} ${set} ${chunk}` })
          }
        }
      }
      if (r >= first) log(`round ${r + 1}/${ROUNDS}`)
    }
    round = end
    for (const worker of new Set(Object.values(workers))) worker?.child.disconnect()
  }

  // New processes: cold starts (the sides taking turns, each one's first run not kept), then one
  // onBatch call of 50,000 tracks (its peak RSS), ours and actions-core alone.
  const once = async (mode: string, file: string, ...args: string[]) => {
    const started = performance.now()
    const { stdout } = await execFile(process.execPath, [WORKER, mode, file, url, ...args], { env })
    return { ...(JSON.parse(stdout) as { rssMb: number; heldMb: number }), wallMs: performance.now() - started }
  }
  const cold = { ours: [] as number[], published: [] as number[] }
  const event = JSON.stringify(benchEvents('tracks', 1)[0])
  for (let i = 0; i < 6; i++) {
    for (const side of ['ours', 'published'] as const) {
      const file = files[side]
      if (file) cold[side].push((await once('cold', file, event)).wallMs)
    }
  }
  ;[cold.ours, cold.published].forEach((runs) => runs.shift()) // each side's first run: files not cached yet
  await take()
  const large = { ...(await once('rss', ours, '50000')), requests: await take() }
  const frameMb = (await once('rss', ours, '50000', 'frame')).rssMb
  standIn.child.disconnect()
  rmSync(CODE, { recursive: true, force: true })
  report(samples, cold, { ...large, frameMb })
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
function quantile(values: number[], q: number): number {
  const [sorted, at] = [[...values].sort((a, b) => a - b), (values.length - 1) * q]
  const low = Math.floor(at)
  return sorted[low] + ((sorted[low + 1] ?? sorted[low]) - sorted[low]) * (at - low)
}

type Large = { rssMb: number; heldMb: number; frameMb: number; requests: Counts }
function report(samples: Sample[], cold: Record<string, number[]>, large: Large): void {
  const of = (side: Side, set?: EventSet) => samples.filter((s) => s.side === side && (!set || s.set === set))
  const perEvent = (list: Sample[]) => (sum(list.map((s) => s.cpuMs)) * 1000) / sum(list.map((s) => s.events))
  const us = (side: Side, set: EventSet) => (of(side, set).length ? `${perEvent(of(side, set)).toFixed(0)} µs` : 'n/a')
  const verdict = (met: boolean) => (met ? 'PASS' : '**MISS**')
  const rows: string[] = []
  const row = (...cells: string[]) => rows.push(`| ${cells.join(' | ')} |`)
  /** All of one side's chunks against all of the other's; beside it, the middle half of the chunk pairs' ratios. */
  const compare = (label: string, a: Side, b: Side, set: EventSet, limit?: number) => {
    const [x, y, target] = [of(a, set), of(b, set), limit ? `<= ${limit.toFixed(2)}x` : '']
    const pairs = x.flatMap((s) => y.filter((t) => t.pair === s.pair).map((t) => perEvent([s]) / perEvent([t])))
    const [value, low, high] = [perEvent(x) / perEvent(y), quantile(pairs, 0.25), quantile(pairs, 0.75)]
    const text = pairs.length ? `**${value.toFixed(2)}x** (${low.toFixed(2)} to ${high.toFixed(2)})` : 'n/a'
    const [reference, met] = [`${b === 'published' ? '' : `${b} `}${us(b, set)}`, limit ? verdict(value <= limit) : '']
    row(`${set}, ${label}`, reference, us(a, set), text, target, pairs.length ? met : 'n/a')
  }
  for (const set of EVENT_SETS) {
    compare('single: ours / published', 'ours', 'published', set, 1)
    compare('single: ours / its equal-work floor', 'ours', 'floor', set, 1.12)
    compare('batch: ours / published single', 'batch', 'published', set, 0.1)
    compare('batch: actions-core alone / published single', 'frame', 'published', set)
    if (BASELINE) compare('batch: ours / the baseline build', 'batch', 'baseline', set, 1.1)
  }
  const batches = of('batch')
  const kinds: Counts = {}
  for (const [kind, n] of batches.flatMap((s) => Object.entries(s.requests))) kinds[kind] = (kinds[kind] ?? 0) + n
  const jobs = sum(Object.entries(kinds).map(([kind, n]) => (kind.startsWith('POST') ? n : 0)))
  const perThousand = ((sum(Object.values(kinds)) * 1000) / sum(batches.map((s) => s.events))).toFixed(1)
  const extra = (sum(Object.values(kinds)) - jobs) / jobs
  const gc = sum(batches.map((s) => s.gcMs)) / sum(batches.map((s) => s.cpuMs))
  const words = (counts: Counts) => Object.entries(counts).map(([kind, n]) => `${n} \`${kind}\``)
  const [coldOurs, coldTheirs] = [quantile(cold.ours, 0.5), quantile(cold.published, 0.5)]
  const [rss, kindsText, largeText] = [large.rssMb.toFixed(0), words(kinds).join(', '), words(large.requests).join()]
  row('batch: requests per 1,000 events', '', `${perThousand} (${kindsText})`, '', '', '')
  row('batch: extra requests per job (following it)', '', extra.toFixed(2), '', '<= 3', verdict(extra <= 3))
  row('batch: GC share of CPU (gc pauses / CPU)', '', `${(gc * 100).toFixed(1)}%`, '', '<= 30%', verdict(gc <= 0.3))
  const held = `${rss} MB (${large.heldMb.toFixed(0)} MB before the call; ${largeText})`
  const frame = `actions-core alone ${large.frameMb.toFixed(0)} MB`
  row('50,000 tracks, one onBatch call: peak RSS', frame, held, '', '< 200 MB', verdict(+rss < 200))
  const [theirs, ours] = [coldTheirs, coldOurs].map((ms) => (Number.isNaN(ms) ? 'n/a' : `${ms.toFixed(0)} ms`))
  row('cold start: new process to first event sent', theirs, ours, '', '< 0.6 s', verdict(coldOurs < 600))
  const date = new Date().toISOString().slice(0, 10)
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, load average ${loadavg()[1].toFixed(1)}`
  const about = `${date}, Node ${process.version}, ${machine}; ${ROUNDS} rounds`
  const header = `| CPU per event, unless said | published ${PUBLISHED} | ours | ratio (middle half) | target | verdict |`
  const block = [`${about} in ${FORKS} sets of processes.`, '', header, '| - | - | - | - | - | - |', ...rows].join('\n')
  process.stdout.write(`\n${block}\n`)
  const file = join(ROOT, 'docs', 'benchmarks.md')
  const doc = readFileSync(file, 'utf8').replace(/(<!-- bench:begin -->)[^]*(<!-- bench:end -->)/, `$1\n${block}\n$2`)
  if (!process.env.BENCH_DIST) writeFileSync(file, format(doc, { ...resolveConfig.sync(file), filepath: file }))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
