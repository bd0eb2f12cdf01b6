/**
 * Fails when a generated file differs from what its generator would write now.
 * Run with `npm run check:generated`; fix with `npm run types`, `npm run docs` and `npm run metadata`.
 */
import { existsSync, readFileSync } from 'fs'
import path from 'path'
import { typeFiles } from './generate-types'
import type { GeneratedFile } from './generate-types'
import { docFiles } from './generate-docs'
import { metadataFiles } from './generate-metadata'

const ROOT = path.resolve(__dirname, '..')

async function main(): Promise<number> {
  const files: GeneratedFile[] = [...(await typeFiles()), ...docFiles(), ...metadataFiles()]
  const stale = files.filter((file) => {
    const full = path.join(ROOT, file.path)
    return !existsSync(full) || readFileSync(full, 'utf8') !== file.content
  })
  for (const file of stale) console.error(`stale: ${file.path}`)
  if (stale.length) {
    console.error(
      `${stale.length} generated file(s) are stale. Run 'npm run types && npm run docs && npm run metadata' and commit the result.`
    )
    return 1
  }
  console.log(`${files.length} generated files are up to date.`)
  return 0
}

main()
  .then((code) => process.exit(code))
  .catch((error) => {
    console.error(error)
    process.exit(1)
  })
