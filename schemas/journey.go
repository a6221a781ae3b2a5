package schemas

import _ "embed"

// JourneySchema is the JSON Schema (draft 2020-12) of a journey definition,
// the format package journey parses. It is served at
// GET /v1/schemas/journey.json for editors and tools.
//
//go:embed journey.schema.json
var JourneySchema []byte
