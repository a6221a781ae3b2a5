package store

import (
	"context"
	"errors"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/taxonomy"
)

// ApplyTaxonomy replaces the workspace's taxonomy with next (validated by
// the caller) and returns what changes, as taxonomy.Diff says; a dry run
// changes nothing.
func (s *Store) ApplyTaxonomy(ctx context.Context, workspaceID string, next *taxonomy.Taxonomy, dryRun bool) ([]taxonomy.Change, error) {
	prev, err := s.Taxonomy(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	changes := taxonomy.Diff(prev, next)
	if changes == nil {
		changes = []taxonomy.Change{}
	}
	if dryRun {
		return changes, nil
	}
	return changes, s.ReplaceTaxonomy(ctx, workspaceID, next)
}

// TaxonomyPolicies is a change to a taxonomy's policies: the ones given
// (non-empty, non-nil) replace the stored ones.
type TaxonomyPolicies struct {
	UnknownEvents taxonomy.Policy
	InvalidTraits taxonomy.Policy
	Naming        *taxonomy.Naming
}

// UpdateTaxonomyPolicies changes the workspace's taxonomy policies and
// returns the taxonomy as it now stands. The sheet's own names must follow
// a new naming convention too: a taxonomy that the change makes invalid is
// refused (field errors, or a Refusal on body).
func (s *Store) UpdateTaxonomyPolicies(ctx context.Context, workspaceID string, change TaxonomyPolicies) (*taxonomy.Taxonomy, error) {
	t, err := s.Taxonomy(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	if change.UnknownEvents != "" {
		t.UnknownEvents = change.UnknownEvents
	}
	if change.InvalidTraits != "" {
		t.InvalidTraits = change.InvalidTraits
	}
	if change.Naming != nil {
		t.Naming = *change.Naming
	}
	if err := t.Validate(); err != nil {
		return nil, SheetRefusal(err)
	}
	t.Normalize()
	return t, s.SetTaxonomyPolicies(ctx, workspaceID, t.UnknownEvents, t.InvalidTraits, t.Naming)
}

// PutEventDefinitionAndRead stores an event definition (create: refused
// with ErrConflict when it exists), reads it back as stored and says
// whether it is new.
func (s *Store) PutEventDefinitionAndRead(ctx context.Context, workspaceID string, e taxonomy.EventDef, create bool) (taxonomy.EventDef, bool, error) {
	created, err := s.putEventDefinition(ctx, workspaceID, e, create)
	if err != nil {
		return taxonomy.EventDef{}, false, err
	}
	stored, err := s.EventDefinition(ctx, workspaceID, e.Name)
	return stored, created, err
}

// SheetRefusal is a taxonomy's validation error as the client reads it:
// field errors as they are, anything else a Refusal on the body.
func SheetRefusal(err error) error {
	var fields jsonfields.Errors
	var unreadable taxonomy.DecodeError
	if err == nil || errors.As(err, &fields) || errors.As(err, &unreadable) {
		return err
	}
	return Refuse(ErrMalformed, "body: "+err.Error(), jsonfields.Error{Field: "body", Message: err.Error()})
}
