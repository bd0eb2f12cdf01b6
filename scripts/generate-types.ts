/**
 * Writes the generated types (src/generated-types.ts, src/<actionKey>.types.ts) from the destination definition, in the form of the monorepo's
 * `./bin/run generate:types`: actions-core's fieldsToJsonSchema, `title` and `enum` removed,
 * compiled by json-schema-to-typescript with the repository's prettier style.
 *
 *   npm run types            write the files
 *   npm run check:generated  fail when one is stale (scripts/check-generated.ts)
 */
import { existsSync, writeFileSync } from 'fs'
import path from 'path'
import { compile } from 'json-schema-to-typescript'
import type { JSONSchema } from 'json-schema-to-typescript'
import prettier from 'prettier'
import { fieldsToJsonSchema } from '@segment/actions-core'
import type { DestinationDefinition, InputField } from '@segment/actions-core'
import destination from '../src'

export interface GeneratedFile {
  path: string
  content: string
}

const ROOT = path.resolve(__dirname, '..')
const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

function stripTitlesAndEnums(schema: JSONSchema): JSONSchema {
  const copy: JSONSchema = { ...schema }
  delete copy.title
  delete copy.enum
  if (copy.type === 'object' && copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([key, value]) => [key, stripTitlesAndEnums(value)])
    )
  } else if (copy.type === 'array' && copy.items && !Array.isArray(copy.items)) {
    copy.items = stripTitlesAndEnums(copy.items)
  }
  return copy
}

async function typesFor(fields: Record<string, InputField>, name: string): Promise<string> {
  const schema = fieldsToJsonSchema(fields, { tsType: true }) as JSONSchema
  const style = prettier.resolveConfig.sync(ROOT) ?? undefined
  return compile(stripTitlesAndEnums(schema), name, { bannerComment: BANNER, style })
}

export async function typeFiles(
  definition: DestinationDefinition<unknown> = destination as DestinationDefinition<unknown>
): Promise<GeneratedFile[]> {
  const legacySettings = (definition as { settings?: Record<string, InputField> }).settings
  const settingsFields = { ...legacySettings, ...definition.authentication?.fields } as Record<string, InputField>
  const files: GeneratedFile[] = [
    { path: 'src/generated-types.ts', content: await typesFor(settingsFields, 'Settings') }
  ]
  for (const [key, action] of Object.entries(definition.actions)) {
    // As the monorepo's generator: `<key>/generated-types.ts` when a folder is named by the key, else
    // `<key>.types.ts` (our folders are kebab-case: `identify-user/` holds `identifyUser`).
    files.push({
      path: existsSync(path.join(ROOT, 'src', key)) ? `src/${key}/generated-types.ts` : `src/${key}.types.ts`,
      content: await typesFor(action.fields as Record<string, InputField>, 'Payload')
    })
  }
  return files
}

export function writeFiles(files: GeneratedFile[]): void {
  for (const file of files) writeFileSync(path.join(ROOT, file.path), file.content)
}

if (require.main === module) {
  typeFiles()
    .then((files) => {
      writeFiles(files)
      for (const file of files) console.log(`wrote ${file.path}`)
    })
    .catch((error) => {
      console.error(error)
      process.exit(1)
    })
}
