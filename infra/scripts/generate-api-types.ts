/** `npm run generate:api-types`: the console's API types from the current OpenAPI document. */
import { writeFileSync } from "node:fs";
import { buildOpenApiDocument } from "../../shared/http/openapi.js";
import { API_TYPES_FILE, generateApiTypes } from "../console/api-types.js";

writeFileSync(API_TYPES_FILE, generateApiTypes(buildOpenApiDocument()));
console.log(`Wrote ${API_TYPES_FILE}`);
