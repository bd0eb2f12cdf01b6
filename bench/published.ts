import { spawn } from 'child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs'
import { homedir } from 'os'
import { join } from 'path'

/**
 * Segment's published FullStory destination, for the side-by-side phase: the npm package
 * `@segment/action-destinations` (all of Segment's destinations; FullStory's is
 * `dist/destinations/fullstory`), installed on demand into a cache OUTSIDE this repository. It is
 * never a dependency of this package, and nothing but `npm run bench` installs it.
 *
 * The cache's package.json pins `fast-uri` to 3.1.5, as ours does: with fast-uri 3.1.6 and later,
 * ajv refuses a destination whose name has a space or a parenthesis ("URI scheme is malformed"),
 * and theirs is named `Fullstory Cloud Mode (Actions)`. It also pins `@segment/actions-core` to the
 * version this package depends on, so that both destinations run on the same framework.
 *
 *   BENCH_PUBLISHED_CACHE=<dir>   another cache directory
 *   BENCH_PUBLISHED=off           skip the side-by-side phase
 */

export const PUBLISHED_PACKAGE = '@segment/action-destinations'
export const PUBLISHED_VERSION = '3.387.0'
const FAST_URI = '3.1.5'
/** The actions-core version of this package (an exact version in its package.json). */
export const FRAMEWORK_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@segment/actions-core']
/** A cold install of the package (about 90 MB) takes half a minute on a fast line. */
const INSTALL_TIMEOUT_MS = 5 * 60_000

export function publishedCache(): string {
  return (
    process.env.BENCH_PUBLISHED_CACHE ||
    join(homedir(), '.cache', 'actions-fullstory-cloud-bench', `action-destinations-${PUBLISHED_VERSION}`)
  )
}

export type Published = { root: string; installed: 'cached' | 'now' } | { skipped: string }

function installedVersion(cache: string, name: string): string | undefined {
  const file = join(cache, 'node_modules', name, 'package.json')
  if (!existsSync(file)) return undefined
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version
}

function isReady(cache: string): boolean {
  return (
    installedVersion(cache, PUBLISHED_PACKAGE) === PUBLISHED_VERSION &&
    installedVersion(cache, 'fast-uri') === FAST_URI &&
    installedVersion(cache, '@segment/actions-core') === FRAMEWORK_VERSION &&
    existsSync(fullstoryDefinition(cache))
  )
}

/** The published FullStory destination's module (its default export is the definition). */
export function fullstoryDefinition(cache: string): string {
  return join(cache, 'node_modules', ...PUBLISHED_PACKAGE.split('/'), 'dist', 'destinations', 'fullstory', 'index.js')
}

function npmInstall(cache: string): Promise<string | undefined> {
  // `npm run bench` hands its own npm settings down in the environment (its prefix among them);
  // the install must see none of them but the user's configuration.
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_(config_(local_prefix|prefix|global_prefix)|package_|lifecycle_)/i.test(name)) env[name] = value
  }
  const args = ['install', '--prefix', cache, '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev']
  return new Promise((resolve) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
      cwd: cache,
      env,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 20_000) stderr += chunk.toString()
    })
    const timer = setTimeout(() => child.kill(), INSTALL_TIMEOUT_MS)
    child.on('error', (error) => resolve(error.message))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve(undefined)
      if (signal) return resolve(`npm install stopped (${signal})`)
      resolve(`npm install exited with ${code}: ${npmError(stderr)}`)
    })
  })
}

/** npm's error code and first message line (not the stack, not the pointer to its log). */
function npmError(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('npm error'))
  const code = /^npm error code (\S+)/.exec(lines.find((line) => line.startsWith('npm error code')) ?? '')?.[1]
  const message = lines
    .map((line) => line.slice('npm error'.length).trim())
    .find((line) => line && !/^(code|syscall|errno|path|at) |^A complete log/.test(line))
  return [code, message].filter(Boolean).join(' ') || 'no message'
}

/** The published package, from the cache or installed into it now; or why it cannot be had. */
export async function ensurePublished(log: (line: string) => void): Promise<Published> {
  if (/^(off|0|false|no)$/i.test(process.env.BENCH_PUBLISHED ?? '')) return { skipped: 'BENCH_PUBLISHED is off' }
  const cache = publishedCache()
  if (isReady(cache)) return { root: cache, installed: 'cached' }
  try {
    mkdirSync(cache, { recursive: true })
    const manifest = {
      name: 'published-fullstory-destination-for-bench',
      private: true,
      description: 'Installed by npm run bench of actions-fullstory-cloud; safe to delete.',
      dependencies: { [PUBLISHED_PACKAGE]: PUBLISHED_VERSION },
      overrides: { 'fast-uri': FAST_URI, '@segment/actions-core': FRAMEWORK_VERSION }
    }
    writeFileSync(join(cache, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
  } catch (error) {
    return { skipped: `cannot write the cache ${cache}: ${(error as Error).message}` }
  }
  log(`installing ${PUBLISHED_PACKAGE}@${PUBLISHED_VERSION} into ${cache} (outside the repository; once)`)
  const failure = await npmInstall(cache)
  if (failure) return { skipped: failure }
  if (!isReady(cache))
    return { skipped: `the install in ${cache} lacks the FullStory destination or fast-uri ${FAST_URI}` }
  return { root: cache, installed: 'now' }
}
