import { FULLSTORY_API_URL } from '../../src/api/client'
import { DEV_API_KEY } from '../constants'
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator'

/**
 * Where the server delivers: `fullstoryUrl` when given (with `apiKey`, else the dev key); else
 * FullStory itself when `apiKey` is given; else a simulator it starts on an ephemeral port, which
 * accepts the dev key. The destination is pointed there through `FULLSTORY_API_URL`
 * (src/api/api.ts), a process-wide variable: one server per process.
 */
export interface Target {
  kind: 'own simulator' | 'FullStory' | 'given URL'
  /** FullStory's API base URL, as deliveries see it. */
  url: string
  apiKey: string
  simulator?: Simulator
  /** Stops the simulator it started and puts FULLSTORY_API_URL back. */
  release(): Promise<void>
}

export async function openTarget(options: {
  apiKey?: string
  fullstoryUrl?: string
  simulator?: SimulatorOptions
}): Promise<Target> {
  let simulator: Simulator | undefined
  let kind: Target['kind']
  let url: string
  if (options.fullstoryUrl) {
    kind = 'given URL'
    url = options.fullstoryUrl.replace(/\/+$/, '')
  } else if (options.apiKey) {
    kind = 'FullStory'
    url = FULLSTORY_API_URL
  } else {
    simulator = await startSimulator({ keys: { [DEV_API_KEY]: 'ADMIN' }, ...options.simulator })
    kind = 'own simulator'
    url = simulator.url
  }
  const previousUrl = process.env.FULLSTORY_API_URL
  if (kind === 'FullStory') delete process.env.FULLSTORY_API_URL
  else process.env.FULLSTORY_API_URL = url
  return {
    kind,
    url,
    apiKey: options.apiKey ?? DEV_API_KEY,
    simulator,
    async release() {
      await simulator?.close()
      if (previousUrl === undefined) delete process.env.FULLSTORY_API_URL
      else process.env.FULLSTORY_API_URL = previousUrl
    }
  }
}
