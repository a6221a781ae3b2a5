// Package schemas holds what describes Tabiji's data: the SQL migrations of
// its Postgres database, embedded in the binary.
package schemas

import "embed"

// Migrations holds the SQL migrations in goose format under migrations/,
// named NNNNN_what.sql and applied in order. Never edit one that has shipped:
// add the next.
//
//go:embed migrations/*.sql
var Migrations embed.FS
