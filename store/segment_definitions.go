package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/segments"
)

// SegmentDefinition parses and validates segment id's definition against
// the workspace's taxonomy and segments, and returns it as stored. Its
// faults are field errors (segments.Invalid, on definition.…) or
// Refusals: a missing definition (ErrMalformed), one that would make a
// segment referencing it expand past segments.MaxExpandedConditions
// (ErrInvalid, naming the chain).
func (s *Store) SegmentDefinition(ctx context.Context, workspaceID, id string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		msg := `is required: {"condition": {...}}`
		return nil, Refuse(ErrMalformed, "definition: "+msg, jsonfields.Error{Field: "definition", Message: msg})
	}
	d, err := segments.Parse(raw)
	var errs segments.Errors
	if errors.As(err, &errs) {
		for i := range errs {
			if f := errs[i].Field; f != "" && f != "definition" {
				errs[i].Field = "definition." + f
			} else {
				errs[i].Field = "definition"
			}
		}
		return nil, segments.Invalid(errs)
	}
	tax, err := s.Taxonomy(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	resolve, err := s.SegmentResolver(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	if errs := segments.Validate(d, segments.Env{Taxonomy: tax, Segments: resolve, Self: id}); len(errs) > 0 {
		return nil, segments.Invalid(errs)
	}
	if err := s.referrersFit(ctx, workspaceID, id, d, resolve); err != nil {
		return nil, err
	}
	canonical, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("store: unable to encode the definition of segment %q: %w", id, err)
	}
	return canonical, nil
}

// referrersFit refuses a definition of segment id that would make a
// segment referencing it expand past segments.MaxExpandedConditions.
func (s *Store) referrersFit(ctx context.Context, workspaceID, id string, d segments.Definition, resolve segments.Resolver) error {
	all, err := s.ListSegments(ctx, workspaceID)
	if err != nil {
		return err
	}
	ids := make([]string, len(all))
	for i, g := range all {
		ids[i] = g.ID
	}
	if err := segments.CheckReferrers(id, d, ids, resolve); err != nil {
		msg := "with this definition, " + strings.TrimPrefix(err.Error(), "segments: ")
		return Refuse(ErrInvalid, msg, jsonfields.Error{Field: "definition.condition", Message: msg})
	}
	return nil
}

// CreateCheckedSegment stores a new segment whose definition is raw,
// validated as SegmentDefinition does. It returns ErrConflict for an id
// the workspace already has.
func (s *Store) CreateCheckedSegment(ctx context.Context, workspaceID string, g Segment, raw json.RawMessage) (Segment, error) {
	def, err := s.SegmentDefinition(ctx, workspaceID, g.ID, raw)
	if err != nil {
		return Segment{}, err
	}
	g.Definition = def
	return s.CreateSegment(ctx, workspaceID, g)
}

// ReviseSegment replaces a segment's definition with raw, validated as
// SegmentDefinition does (and its name or description, when given), as its
// next version. It returns ErrNotFound for a segment the workspace lacks.
func (s *Store) ReviseSegment(ctx context.Context, workspaceID, id, name, description string, raw json.RawMessage) (Segment, error) {
	current, err := s.GetSegment(ctx, workspaceID, id)
	if err != nil {
		return current, err
	}
	if current.Definition, err = s.SegmentDefinition(ctx, workspaceID, current.ID, raw); err != nil {
		return current, err
	}
	if name != "" {
		current.Name = name
	}
	if description != "" {
		current.Description = description
	}
	return s.UpdateSegment(ctx, workspaceID, current)
}
