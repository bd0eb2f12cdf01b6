import { spawnSync } from 'child_process'
import { existsSync, mkdirSync, writeFileSync } from 'fs'
import { homedir } from 'os'
import { join } from 'path'
import { dependencies } from '../package.json'

/**
 * Segment's published FullStory destination (npm `@segment/action-destinations`, folder
 * dist/destinations/fullstory), installed on demand into a cache OUTSIDE the repository, never a
 * dependency of this package; on our actions-core version, with ajv's fast-uri pinned as ours is.
 * Returns its definition's module, or why it cannot be had.
 */
export const PUBLISHED = { name: '@segment/action-destinations', version: '3.387.0' }

export function published(): { file: string } | { skipped: string } {
  const cache =
    process.env.BENCH_PUBLISHED_CACHE ??
    join(homedir(), '.cache', 'actions-fullstory-cloud-bench', `action-destinations-${PUBLISHED.version}`)
  const file = join(cache, 'node_modules', PUBLISHED.name, 'dist', 'destinations', 'fullstory', 'index.js')
  if (existsSync(file)) return { file }
  mkdirSync(cache, { recursive: true })
  const manifest = {
    private: true,
    description: 'Installed by npm run bench of actions-fullstory-cloud; safe to delete.',
    dependencies: { [PUBLISHED.name]: PUBLISHED.version },
    overrides: { 'fast-uri': '3.1.5', '@segment/actions-core': dependencies['@segment/actions-core'] }
  }
  writeFileSync(join(cache, 'package.json'), JSON.stringify(manifest, null, 2))
  process.stderr.write(`[bench] installing ${PUBLISHED.name}@${PUBLISHED.version} into ${cache} (once)\n`)
  // npm run hands its own prefix down in npm_config_* variables: the install must not see them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev']
  const run = spawnSync('npm', args, { cwd: cache, env, encoding: 'utf8', timeout: 600_000 })
  if (run.status === 0 && existsSync(file)) return { file }
  return { skipped: `npm install in ${cache} failed: ${(run.stderr ?? String(run.error)).trim().split('\n')[0]}` }
}
