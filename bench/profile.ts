import { Session, type Profiler } from 'inspector'
import { sep } from 'path'

/**
 * A CPU profile of a run (V8's sampling profiler, through `inspector`), and each sample attributed to
 * its owner: the nearest frame, from the sampled function up the stack, that is the destination's
 * own (the directories `ownCode` names: for ours, dist/ and the libraries only our code calls) or
 * the framework's (actions-core and what it uses: ajv, the request client, node-fetch, FQL). Node
 * internals and V8 builtins belong to whoever called them. Samples with no owner on the stack (socket
 * reads, timers, the bench's own loop) count as "runtime"; garbage collection and idle time are kept
 * apart.
 *
 * Each sample counts once. (Weighting samples by the time to the next one, as DevTools does, charges
 * a whole preemption of the process by another one to whatever function happened to be running: on a
 * shared machine that put tens of microseconds per event on a two-line function that reads an
 * environment variable.)
 */

export type Owner = 'ours' | 'framework' | 'runtime' | 'gc' | 'idle'

export interface ProfileShares {
  /** Samples, idle excluded. */
  total: number
  /** Samples per owner. */
  samples: Record<Owner, number>
  /** Self samples in the destination's own files, by function. */
  selfOurs: Record<string, number>
}

/** Our code's share of the busy samples (ours, framework, runtime: garbage collection shared pro rata). */
export function ourShare(profile: ProfileShares): number {
  const { ours, framework, runtime } = profile.samples
  return ours / (ours + framework + runtime)
}

/** Several profiles as one (their samples added up). */
export function combine(profiles: ProfileShares[]): ProfileShares {
  const out: ProfileShares = { total: 0, samples: { ours: 0, framework: 0, runtime: 0, gc: 0, idle: 0 }, selfOurs: {} }
  for (const profile of profiles) {
    out.total += profile.total
    for (const owner of Object.keys(out.samples) as Owner[]) out.samples[owner] += profile.samples[owner]
    for (const [name, count] of Object.entries(profile.selfOurs)) out.selfOurs[name] = (out.selfOurs[name] ?? 0) + count
  }
  return out
}

function ownerOf(url: string, ownCode: string[]): 'ours' | 'framework' | undefined {
  if (!url) return undefined
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url
  if (ownCode.some((dir) => path.startsWith(dir + sep))) return 'ours'
  return path.includes(`${sep}node_modules${sep}`) ? 'framework' : undefined
}

export function attribute(profile: Profiler.Profile, ownCode: string[]): ProfileShares {
  const nodes = new Map<number, Profiler.ProfileNode>()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    nodes.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const ownerCache = new Map<number, Owner>()
  const owner = (id: number): Owner => {
    const cached = ownerCache.get(id)
    if (cached) return cached
    const node = nodes.get(id) as Profiler.ProfileNode
    const name = node.callFrame.functionName
    let result: Owner
    if (name === '(garbage collector)') result = 'gc'
    else if (name === '(idle)') result = 'idle'
    else {
      const own = ownerOf(node.callFrame.url, ownCode)
      const up = parent.get(id)
      result = own ?? (up === undefined ? 'runtime' : owner(up))
    }
    ownerCache.set(id, result)
    return result
  }

  const samples: Record<Owner, number> = { ours: 0, framework: 0, runtime: 0, gc: 0, idle: 0 }
  const self = new Map<string, number>()
  for (const id of profile.samples ?? []) {
    samples[owner(id)]++
    const frame = (nodes.get(id) as Profiler.ProfileNode).callFrame
    if (frame.url && ownerOf(frame.url, ownCode) === 'ours') {
      const file = frame.url.slice(frame.url.lastIndexOf(sep, frame.url.lastIndexOf(sep) - 1) + 1)
      const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`
      self.set(key, (self.get(key) ?? 0) + 1)
    }
  }
  const total = samples.ours + samples.framework + samples.runtime + samples.gc
  return { total, samples, selfOurs: Object.fromEntries(self) }
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)))
  )
}

/** Runs `run` under the sampling profiler and attributes its samples (see `attribute`). */
export async function profiled(run: () => Promise<void>, ownCode: string[]): Promise<ProfileShares> {
  const session = new Session()
  session.connect()
  await post(session, 'Profiler.enable')
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 })
  await post(session, 'Profiler.start')
  let profile: Profiler.Profile
  try {
    await run()
  } finally {
    profile = (await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop')).profile
    session.disconnect()
  }
  return attribute(profile, ownCode)
}
