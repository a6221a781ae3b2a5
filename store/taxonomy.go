package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/taxonomy"
)

// Taxonomy returns the workspace's design sheet, normalized (sorted by
// name, defaults spelled out): an empty sheet with the default policies
// when none was ever applied. It reads one consistent snapshot.
func (s *Store) Taxonomy(ctx context.Context, workspaceID string) (*taxonomy.Taxonomy, error) {
	t := &taxonomy.Taxonomy{}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT unknown_events, invalid_traits, naming FROM taxonomy_settings WHERE workspace_id = $1`,
			workspaceID).Scan(&t.UnknownEvents, &t.InvalidTraits, &t.Naming)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if t.Events, err = queryEvents(ctx, tx, workspaceID, ""); err != nil {
			return err
		}
		t.UserProperties, err = queryUserProperties(ctx, tx, workspaceID, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to load the taxonomy of %q: %w", workspaceID, err)
	}
	t.Normalize()
	return t, nil
}

// queryEvents reads the workspace's event definitions with their
// properties; only the one named when name is not empty.
func queryEvents(ctx context.Context, q pgx.Tx, workspaceID, name string) ([]taxonomy.EventDef, error) {
	rows, err := q.Query(ctx, `
		SELECT name, description, owner, status, on_invalid, strict FROM event_definitions
		WHERE workspace_id = $1 AND ($2 = '' OR name = $2) ORDER BY name`, workspaceID, name)
	if err != nil {
		return nil, err
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (taxonomy.EventDef, error) {
		var e taxonomy.EventDef
		err := r.Scan(&e.Name, &e.Description, &e.Owner, &e.Status, &e.OnInvalid, &e.Strict)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*taxonomy.EventDef, len(events))
	for i := range events {
		byName[events[i].Name] = &events[i]
	}
	rows, err = q.Query(ctx, `
		SELECT event_name, name, type, required, enum, format, pii, description FROM event_property_definitions
		WHERE workspace_id = $1 AND ($2 = '' OR event_name = $2) ORDER BY event_name, name`, workspaceID, name)
	if err != nil {
		return nil, err
	}
	var event string
	var p taxonomy.PropertyDef
	_, err = pgx.ForEachRow(rows, []any{&event, &p.Name, &p.Type, &p.Required, &p.Enum, &p.Format, &p.PII, &p.Description}, func() error {
		if len(p.Enum) == 0 {
			p.Enum = nil
		}
		if e := byName[event]; e != nil {
			e.Properties = append(e.Properties, p)
		}
		p = taxonomy.PropertyDef{}
		return nil
	})
	return events, err
}

func queryUserProperties(ctx context.Context, q pgx.Tx, workspaceID, name string) ([]taxonomy.PropertyDef, error) {
	rows, err := q.Query(ctx, `
		SELECT name, type, enum, format, pii, description FROM user_property_definitions
		WHERE workspace_id = $1 AND ($2 = '' OR name = $2) ORDER BY name`, workspaceID, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (taxonomy.PropertyDef, error) {
		var p taxonomy.PropertyDef
		err := r.Scan(&p.Name, &p.Type, &p.Enum, &p.Format, &p.PII, &p.Description)
		if len(p.Enum) == 0 {
			p.Enum = nil
		}
		return p, err
	})
}

// ReplaceTaxonomy makes t the workspace's whole sheet, in one transaction:
// definitions not in t are deleted. The caller validates t first. It
// returns ErrNotFound when the workspace does not exist.
func (s *Store) ReplaceTaxonomy(ctx context.Context, workspaceID string, t *taxonomy.Taxonomy) error {
	n := t.Clone()
	n.Normalize()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := setPolicies(ctx, tx, workspaceID, n.UnknownEvents, n.InvalidTraits, n.Naming); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM event_definitions WHERE workspace_id = $1`, // properties go by cascade
			`DELETE FROM user_property_definitions WHERE workspace_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, workspaceID); err != nil {
				return err
			}
		}
		return copyDefinitions(ctx, tx, workspaceID, n.Events, n.UserProperties)
	})
	return wrapDefinitionError("replace the taxonomy", err)
}

// copyDefinitions writes events, their properties and user properties in
// three COPYs, however large the sheet.
func copyDefinitions(ctx context.Context, tx pgx.Tx, workspaceID string, events []taxonomy.EventDef, users []taxonomy.PropertyDef) error {
	var evRows, propRows, userRows [][]any
	for _, e := range events {
		evRows = append(evRows, []any{workspaceID, e.Name, e.Description, e.Owner, e.Status, e.OnInvalid, e.Strict})
		for _, p := range e.Properties {
			propRows = append(propRows, []any{workspaceID, e.Name, p.Name, p.Type, p.Required, enumArray(p.Enum), p.Format, p.PII, p.Description})
		}
	}
	for _, p := range users {
		userRows = append(userRows, []any{workspaceID, p.Name, p.Type, enumArray(p.Enum), p.Format, p.PII, p.Description})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"event_definitions", []string{"workspace_id", "name", "description", "owner", "status", "on_invalid", "strict"}, evRows},
		{"event_property_definitions", propertyColumns, propRows},
		{"user_property_definitions", []string{"workspace_id", "name", "type", "enum", "format", "pii", "description"}, userRows},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return err
		}
	}
	return nil
}

var propertyColumns = []string{"workspace_id", "event_name", "name", "type", "required", "enum", "format", "pii", "description"}

func setPolicies(ctx context.Context, tx pgx.Tx, workspaceID string, unknown, traits taxonomy.Policy, naming taxonomy.Naming) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO taxonomy_settings (workspace_id, unknown_events, invalid_traits, naming) VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id) DO UPDATE
		SET unknown_events = excluded.unknown_events, invalid_traits = excluded.invalid_traits,
		    naming = excluded.naming, updated_at = now()`,
		workspaceID, unknown, traits, naming)
	return err
}

// insertEvent writes an event definition and its properties; the event
// must not exist.
func insertEvent(ctx context.Context, tx pgx.Tx, workspaceID string, e taxonomy.EventDef) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO event_definitions (workspace_id, name, description, owner, status, on_invalid, strict)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		workspaceID, e.Name, e.Description, e.Owner, e.Status, e.OnInvalid, e.Strict)
	if err != nil {
		return err
	}
	rows := make([][]any, len(e.Properties))
	for i, p := range e.Properties {
		rows[i] = []any{workspaceID, e.Name, p.Name, p.Type, p.Required, enumArray(p.Enum), p.Format, p.PII, p.Description}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"event_property_definitions"}, propertyColumns, pgx.CopyFromRows(rows))
	return err
}

func upsertUserProperty(ctx context.Context, tx pgx.Tx, workspaceID string, p taxonomy.PropertyDef) (created bool, err error) {
	// xmax is 0 on a row this statement inserted, not on one it updated.
	err = tx.QueryRow(ctx, `
		INSERT INTO user_property_definitions (workspace_id, name, type, enum, format, pii, description)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id, name) DO UPDATE
		SET type = excluded.type, enum = excluded.enum, format = excluded.format, pii = excluded.pii,
		    description = excluded.description, updated_at = now()
		RETURNING xmax = 0`,
		workspaceID, p.Name, p.Type, enumArray(p.Enum), p.Format, p.PII, p.Description).Scan(&created)
	return created, err
}

func enumArray(e taxonomy.Enum) []string {
	if e == nil {
		return []string{}
	}
	return e
}

// wrapDefinitionError maps a missing workspace to ErrNotFound and a taken
// name to ErrConflict.
func wrapDefinitionError(step string, err error) error {
	switch {
	case err == nil:
		return nil
	case pgCode(err) == foreignKeyViolation:
		return fmt.Errorf("store: unable to %s: no such workspace: %w", step, ErrNotFound)
	case pgCode(err) == uniqueViolation:
		return fmt.Errorf("store: unable to %s: %w", step, ErrConflict)
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return fmt.Errorf("store: unable to %s: %w", step, err)
	}
	return fmt.Errorf("store: unable to %s: %w", step, err)
}

// SetTaxonomyPolicies sets the workspace's policies for unknown events and
// invalid traits and its naming convention, leaving its definitions as
// they are.
func (s *Store) SetTaxonomyPolicies(ctx context.Context, workspaceID string, unknownEvents, invalidTraits taxonomy.Policy, naming taxonomy.Naming) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return setPolicies(ctx, tx, workspaceID, unknownEvents, invalidTraits, naming)
	})
	return wrapDefinitionError("set the taxonomy policies", err)
}

// EventDefinition returns one event definition, or ErrNotFound.
func (s *Store) EventDefinition(ctx context.Context, workspaceID, name string) (taxonomy.EventDef, error) {
	var out []taxonomy.EventDef
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) (err error) {
		out, err = queryEvents(ctx, tx, workspaceID, name)
		return err
	})
	if err == nil && (len(out) == 0 || name == "") {
		err = ErrNotFound
	}
	if err != nil {
		return taxonomy.EventDef{}, wrapDefinitionError("read event definition "+name, err)
	}
	return out[0], nil
}

// PutEventDefinition creates or replaces an event definition with its
// properties. With create it refuses (ErrConflict) to replace one.
func (s *Store) PutEventDefinition(ctx context.Context, workspaceID string, e taxonomy.EventDef, create bool) error {
	_, err := s.putEventDefinition(ctx, workspaceID, e, create)
	return err
}

// putEventDefinition is PutEventDefinition that also says whether the
// definition is new (a PUT that creates answers 201).
func (s *Store) putEventDefinition(ctx context.Context, workspaceID string, e taxonomy.EventDef, create bool) (created bool, err error) {
	created = create
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if !create {
			tag, err := tx.Exec(ctx, `DELETE FROM event_definitions WHERE workspace_id = $1 AND name = $2`, workspaceID, e.Name)
			if err != nil {
				return err
			}
			created = tag.RowsAffected() == 0
		}
		if e.Status == "" || e.OnInvalid == "" {
			t := taxonomy.Taxonomy{Events: []taxonomy.EventDef{e}}
			t.Normalize()
			e = t.Events[0]
		}
		return insertEvent(ctx, tx, workspaceID, e)
	})
	return created, wrapDefinitionError("save event definition "+e.Name, err)
}

// DeleteEventDefinition deletes an event definition and its properties, or
// returns ErrNotFound.
func (s *Store) DeleteEventDefinition(ctx context.Context, workspaceID, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM event_definitions WHERE workspace_id = $1 AND name = $2`, workspaceID, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return wrapDefinitionError("delete event definition "+name, err)
}

// UserProperty returns one user-property definition, or ErrNotFound.
func (s *Store) UserProperty(ctx context.Context, workspaceID, name string) (taxonomy.PropertyDef, error) {
	var out []taxonomy.PropertyDef
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
		out, err = queryUserProperties(ctx, tx, workspaceID, name)
		return err
	})
	if err == nil && (len(out) == 0 || name == "") {
		err = ErrNotFound
	}
	if err != nil {
		return taxonomy.PropertyDef{}, wrapDefinitionError("read user property "+name, err)
	}
	return out[0], nil
}

// PutUserProperty creates or replaces a user-property definition and says
// whether it is new. With create it refuses (ErrConflict) to replace one.
func (s *Store) PutUserProperty(ctx context.Context, workspaceID string, p taxonomy.PropertyDef, create bool) (created bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if create {
			created = true
			_, err := tx.Exec(ctx, `
				INSERT INTO user_property_definitions (workspace_id, name, type, enum, format, pii, description)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				workspaceID, p.Name, p.Type, enumArray(p.Enum), p.Format, p.PII, p.Description)
			return err
		}
		created, err = upsertUserProperty(ctx, tx, workspaceID, p)
		return err
	})
	return created, wrapDefinitionError("save user property "+p.Name, err)
}

// DeleteUserProperty deletes a user-property definition, or returns ErrNotFound.
func (s *Store) DeleteUserProperty(ctx context.Context, workspaceID, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM user_property_definitions WHERE workspace_id = $1 AND name = $2`, workspaceID, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return wrapDefinitionError("delete user property "+name, err)
}
