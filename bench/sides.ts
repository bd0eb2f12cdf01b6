import { dirname, join, resolve } from 'path'
import { fullstoryDefinition } from './published'

/**
 * The two destinations the bench sets side by side, each described by where its definition and
 * its actions-core are, so that a process can load either (bench/destination-process.ts, and the
 * cold-start script of bench/cold-start.ts).
 *
 * Ours is the BUILT package (`dist/`, what Segment loads), never the TypeScript sources;
 * `npm run bench` builds first. `BENCH_DIST=<dir>` measures another build instead (a copy of dist/
 * from before a change, with a `node_modules` beside it), and docs/benchmarks.md is then left alone.
 */

export type SideName = 'ours' | 'published'

export interface SideSpec {
  name: SideName
  /** The module whose default export is the destination definition. */
  definition: string
  /** The `@segment/actions-core` that definition resolves (each side runs on its own copy). */
  core: string
  /**
   * The base URL the destination's code sends to when it cannot be pointed elsewhere (the published
   * destination has `https://api.fullstory.com` written in); the bench hands its actions a request
   * client that sends those requests to the stand-in instead. Ours reads `FULLSTORY_API_URL`.
   */
  fixedBaseUrl?: string
  /** Directories whose code counts as the destination's own in a CPU profile (bench/profile.ts). */
  ownCode: string[]
}

export const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(__dirname, '..', 'dist')

/** Libraries that only our code (src/fullstory) calls: their time is ours in a profile. */
const OUR_LIBRARIES = ['transliteration', 'date-fns', 'i18n-iso-countries', 'country-region-data']

export function ourSide(dist = DIST): SideSpec {
  const paths = [dist]
  return {
    name: 'ours',
    definition: join(dist, 'index.js'),
    core: require.resolve('@segment/actions-core', { paths }),
    ownCode: [
      dist,
      ...OUR_LIBRARIES.flatMap((name) => {
        try {
          // The package's folder, from its entry point (some packages do not export package.json).
          const entry = require.resolve(name, { paths })
          const folder = join('node_modules', name)
          return [entry.slice(0, entry.lastIndexOf(folder) + folder.length)]
        } catch {
          return []
        }
      })
    ]
  }
}

export function publishedSide(cache: string): SideSpec {
  const definition = fullstoryDefinition(cache)
  return {
    name: 'published',
    definition,
    core: require.resolve('@segment/actions-core', { paths: [dirname(definition)] }),
    fixedBaseUrl: 'https://api.fullstory.com',
    ownCode: [dirname(definition)]
  }
}
