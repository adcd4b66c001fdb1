// The JSON Schema of channel.config.json, made from the Schema that decodes it; `npm run schema` writes it.
import { JSONSchema } from "effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { ChannelConfig } from "./ChannelConfig.ts"

export const jsonSchemaPath = fileURLToPath(new URL("../../config/channel.config.schema.json", import.meta.url))

export const jsonSchemaText = (): string => JSON.stringify(JSONSchema.make(ChannelConfig), null, 2) + "\n"

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(jsonSchemaPath, jsonSchemaText())
  console.log(`wrote ${jsonSchemaPath}`)
}
