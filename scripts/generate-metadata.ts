/**
 * Writes src/metadata.json, the destination's public description, from the definition itself, in
 * the format of the action-destinations monorepo's `./bin/run generate:metadata-payload` (which its
 * CI checks for staleness): the destination's slug, name, mode, description, authentication,
 * audienceConfig, actions and presets; each action's title, description, platform, default
 * subscription, hidden, hasPerformBatch, syncMode, hooks, dynamicFields and fields; each field's
 * options, with `null` for an option the field does not set. JSON with two spaces and a final newline.
 *
 *   npm run metadata         write the file
 *   npm run check:generated  fail when it is stale
 */
import { writeFileSync } from 'fs'
import path from 'path'
import type {
  ActionDefinition,
  AudienceDestinationDefinition,
  DestinationDefinition,
  GlobalSetting,
  InputField
} from '@segment/actions-core'
import destination from '../src'
import type { GeneratedFile } from './generate-types'

const ROOT = path.resolve(__dirname, '..')

type AnyAction = ActionDefinition<unknown, unknown>

interface Choice {
  label: string
  value: unknown
}

function choices(list: InputField['choices']): Choice[] | null {
  if (!Array.isArray(list) || list.length === 0) return null
  return list.map((choice) => (typeof choice === 'object' ? choice : { label: String(choice), value: choice }))
}

function required(value: InputField['required']): unknown {
  return typeof value === 'object' && value !== null ? value : value === true
}

function settingMetadata(setting: GlobalSetting) {
  return {
    label: setting.label,
    description: setting.description,
    type: setting.type,
    required: required(setting.required),
    multiple: (setting as { multiple?: boolean }).multiple ?? false,
    choices: choices(setting.choices as InputField['choices']),
    default: setting.default ?? null,
    depends_on: (setting as { depends_on?: unknown }).depends_on ?? null
  }
}

function settingsMetadata(fields: Record<string, GlobalSetting>) {
  return Object.fromEntries(Object.entries(fields).map(([key, setting]) => [key, settingMetadata(setting)]))
}

export function fieldMetadata(field: InputField): Record<string, unknown> {
  const properties =
    field.type === 'object' && field.properties
      ? Object.fromEntries(
          Object.entries(field.properties).map(([key, property]) => [key, fieldMetadata(property as InputField)])
        )
      : null
  return {
    label: field.label,
    description: field.description,
    type: field.type,
    required: required(field.required),
    multiple: field.multiple ?? false,
    allowNull: field.allowNull ?? false,
    dynamic: typeof field.dynamic === 'function' ? true : field.dynamic ?? false,
    default: field.default ?? null,
    choices: choices(field.choices),
    placeholder: field.placeholder ?? null,
    properties,
    category: field.category ?? null,
    depends_on: field.depends_on ?? null,
    readOnly: field.readOnly ?? null,
    hidden: field.unsafe_hidden ?? null,
    minimum: field.minimum ?? null,
    maximum: field.maximum ?? null,
    defaultObjectUI: field.defaultObjectUI ?? null,
    disabledInputMethods: field.disabledInputMethods ?? null,
    displayMode: field.displayMode ?? null,
    format: field.format ?? null,
    additionalProperties: field.additionalProperties ?? false
  }
}

function fieldsMetadata(fields: Record<string, InputField> | undefined) {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([key, field]) => [key, fieldMetadata(field)]))
}

function hooksMetadata(hooks: AnyAction['hooks']) {
  const entries = Object.entries(hooks ?? {}).map(([key, hook]) => [
    key,
    {
      label: hook?.label ?? key,
      description: hook?.description ?? '',
      inputFields: fieldsMetadata(hook?.inputFields as Record<string, InputField> | undefined),
      outputFields: fieldsMetadata(hook?.outputTypes as Record<string, InputField> | undefined)
    }
  ])
  return entries.length > 0 ? Object.fromEntries(entries) : null
}

function dynamicFieldsMetadata(dynamicFields: AnyAction['dynamicFields']): Record<string, string[]> | null {
  const entries = Object.entries(dynamicFields ?? {}).flatMap(([key, dynamic]) => {
    if (typeof dynamic !== 'object' || dynamic === null) return []
    const keys = Object.keys(dynamic).filter((name) => name === '__keys__' || name === '__values__')
    return keys.length > 0 ? [[key, keys] as const] : []
  })
  return entries.length > 0 ? Object.fromEntries(entries) : null
}

function actionMetadata(key: string, action: AnyAction) {
  const syncMode = action.syncMode
  return {
    title: action.title ?? key,
    description: action.description ?? '',
    platform: action.platform === 'web' ? 'web' : 'cloud',
    defaultSubscription: action.defaultSubscription ?? null,
    hidden: action.hidden ?? false,
    hasPerformBatch: typeof action.performBatch === 'function',
    syncMode: syncMode
      ? {
          default: syncMode.default,
          label: syncMode.label ?? 'Sync Mode',
          description: syncMode.description ?? '',
          choices: syncMode.choices.map(({ label, value }) => ({ value, label }))
        }
      : null,
    hooks: hooksMetadata(action.hooks),
    dynamicFields: dynamicFieldsMetadata(action.dynamicFields),
    fields: fieldsMetadata(action.fields as Record<string, InputField>)
  }
}

/** An audience destination's settings for audiences; `null` for other destinations, this one included. */
function audienceMetadata(definition: DestinationDefinition<unknown>) {
  const audience = definition as AudienceDestinationDefinition<unknown, unknown>
  if (!audience.audienceConfig) return null
  const config = audience.audienceConfig as { mode: unknown; createAudience?: unknown; getAudience?: unknown }
  const mode = config.mode as { type: string; full_audience_sync?: boolean }
  return {
    mode: mode.type === 'synced' ? { type: 'synced', full_audience_sync: mode.full_audience_sync ?? false } : mode,
    audienceFields: settingsMetadata(audience.audienceFields ?? {}),
    supportsAudienceFunctions: typeof config.createAudience === 'function' && typeof config.getAudience === 'function'
  }
}

export function metadata(definition: DestinationDefinition<unknown>) {
  if (!definition.slug) throw new Error('metadata.json needs the destination to have a slug')
  const presets = definition.presets ?? []
  return {
    slug: definition.slug,
    name: definition.name,
    mode: definition.mode ?? 'cloud',
    description: definition.description ?? null,
    authentication: definition.authentication
      ? {
          scheme: definition.authentication.scheme,
          fields: settingsMetadata(definition.authentication.fields)
        }
      : null,
    audienceConfig: audienceMetadata(definition),
    actions: Object.fromEntries(
      Object.entries(definition.actions).map(([key, action]) => [key, actionMetadata(key, action as AnyAction)])
    ),
    presets: presets.map((preset) => ({
      name: preset.name,
      type: preset.type ?? null,
      partnerAction: preset.partnerAction,
      subscribe: 'subscribe' in preset ? preset.subscribe : null,
      mapping: preset.mapping ?? {},
      eventSlug: 'eventSlug' in preset ? preset.eventSlug : null
    }))
  }
}

export function metadataFiles(
  definition: DestinationDefinition<unknown> = destination as DestinationDefinition<unknown>
): GeneratedFile[] {
  return [{ path: 'src/metadata.json', content: JSON.stringify(metadata(definition), null, 2) + '\n' }]
}

if (require.main === module) {
  for (const file of metadataFiles()) {
    writeFileSync(path.join(ROOT, file.path), file.content)
    console.log(`wrote ${file.path}`)
  }
}
