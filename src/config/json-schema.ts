import * as z from "zod";
import { berthFileSchema } from "./schema.js";

/** JSON Schema (draft 2020-12) of berth.yml, for editors (yaml-language-server) and other tools. */
export function buildJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(berthFileSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
}
