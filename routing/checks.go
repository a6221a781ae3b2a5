package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// The checks a journey definition passes against what the workspace has
// stored, before it is saved: the message templates it names, the segment
// it enters on, the events its taxonomy lets through and the secrets its
// webhooks reference. Each refusal is a store.Refusal (ErrInvalid) naming
// the fields, at save time rather than as a failed send on the day.

// CheckJourney checks d against the workspace and returns the taxonomy's
// warnings (an unknown event where unknown events are allowed, a
// deprecated one), which the caller returns beside the saved journey.
func (r *Router) CheckJourney(ctx context.Context, workspaceID string, d journey.Definition) ([]jsonfields.Error, error) {
	if err := r.checkTemplateNames(ctx, workspaceID, d); err != nil {
		return nil, err
	}
	if err := r.Store.CheckEntrySegment(ctx, workspaceID, d); err != nil {
		return nil, err
	}
	warnings, err := r.checkCatalog(ctx, workspaceID, d)
	if err != nil {
		return nil, err
	}
	return warnings, r.checkSecretRefs(ctx, workspaceID, d)
}

// CreateJourney checks d (CheckJourney) and stores it as a new journey, a
// draft at version 1, returning the taxonomy's warnings. It returns
// store.ErrConflict when the workspace has a journey with id.
func (r *Router) CreateJourney(ctx context.Context, workspaceID, id, name string, d journey.Definition) (store.Journey, []jsonfields.Error, error) {
	canonical, warnings, err := r.checkedCanonical(ctx, workspaceID, id, d)
	if err != nil {
		return store.Journey{}, nil, err
	}
	j, err := r.Store.CreateJourney(ctx, workspaceID, id, name, canonical)
	return j, warnings, err
}

// UpdateJourney checks d (CheckJourney) and stores it as a new version of
// the journey, returning the taxonomy's warnings. Runs keep the version
// they entered with; an active journey enters new customers on the new
// one. It returns store.ErrNotFound, and store.ErrConflict for an archived
// journey.
func (r *Router) UpdateJourney(ctx context.Context, workspaceID, id, name string, d journey.Definition) (store.Journey, []jsonfields.Error, error) {
	canonical, warnings, err := r.checkedCanonical(ctx, workspaceID, id, d)
	if err != nil {
		return store.Journey{}, nil, err
	}
	j, err := r.Store.UpdateJourney(ctx, workspaceID, id, name, canonical)
	if err != nil {
		return j, nil, err
	}
	r.Invalidate(workspaceID)
	return j, warnings, nil
}

// checkedCanonical checks d (CheckJourney) and encodes it as the canonical
// JSON the store keeps, returning the taxonomy's warnings.
func (r *Router) checkedCanonical(ctx context.Context, workspaceID, id string, d journey.Definition) ([]byte, []jsonfields.Error, error) {
	warnings, err := r.CheckJourney(ctx, workspaceID, d)
	if err != nil {
		return nil, nil, err
	}
	canonical, err := json.Marshal(d)
	if err != nil {
		return nil, nil, fmt.Errorf("routing: encode journey %s: %w", id, err)
	}
	return canonical, warnings, nil
}

// checkCatalog checks the events d uses against the workspace's taxonomy,
// once it defines any event. An event the taxonomy blocks, or an unknown
// one where the workspace rejects or quarantines unknown events, could
// never reach the journey as sent: that is refused. An unknown event where
// unknown events are allowed, or a deprecated one, is a warning.
func (r *Router) checkCatalog(ctx context.Context, workspaceID string, d journey.Definition) ([]jsonfields.Error, error) {
	t, err := r.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	if t == nil || len(t.Events) == 0 {
		return nil, nil
	}
	defs := map[string]taxonomy.EventDef{}
	for _, e := range append(slices.Clip(taxonomy.Builtin), t.Events...) {
		defs[e.Name] = e
	}
	unknownIsError := t.UnknownEvents == taxonomy.Reject || t.UnknownEvents == taxonomy.Quarantine
	var errs, warnings []jsonfields.Error
	for _, ref := range d.EventRefs() {
		field := "definition." + ref.Field
		e, known := defs[ref.Event]
		switch {
		case !known && unknownIsError:
			errs = append(errs, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is not in the taxonomy, which " + string(t.UnknownEvents) + "s unknown events"})
		case !known:
			warnings = append(warnings, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is not in the taxonomy"})
		case e.Status == taxonomy.Blocked:
			errs = append(errs, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is blocked by the taxonomy: it never arrives"})
		case e.Status == taxonomy.Deprecated:
			warnings = append(warnings, jsonfields.Error{Field: field, Message: "event " + ref.Event + " is deprecated in the taxonomy"})
		}
	}
	if len(errs) > 0 {
		return nil, store.Refuse(store.ErrInvalid, "the journey uses events its workspace's taxonomy does not let through", errs...)
	}
	return warnings, nil
}

// checkTemplateNames checks every stored template a send names: its
// template must exist in the workspace on the node's channel, its
// fallback_template on the fallback channel (a stored template holds one
// channel's content; journey validation already asks for fallback content
// when the template is named). A wrong name is refused naming
// definition.nodes[i].template.name (or fallback_template.name).
func (r *Router) checkTemplateNames(ctx context.Context, workspaceID string, d journey.Definition) error {
	var errs []jsonfields.Error
	for i, n := range d.Nodes {
		if n.Kind != journey.KindSend {
			continue
		}
		order := append(slices.Clone(n.ChannelOrder()), "")
		for _, use := range []struct {
			field, channel string
			t              *journey.Template
		}{{"template", order[0], n.Template}, {"fallback_template", order[1], n.FallbackTemplate}} {
			if use.t == nil || use.t.Name == "" {
				continue
			}
			field := fmt.Sprintf("definition.nodes[%d].%s.name", i, use.field)
			t, err := r.Store.GetMessageTemplate(ctx, workspaceID, use.t.Name, 0)
			switch {
			case errors.Is(err, store.ErrNotFound):
				errs = append(errs, jsonfields.Error{Field: field, Message: "names no stored message template: " + use.t.Name})
			case err != nil:
				return err
			case t.Channel != use.channel:
				errs = append(errs, jsonfields.Error{Field: field, Message: fmt.Sprintf("names a %s template, but it is sent on %s", t.Channel, use.channel)})
			}
		}
	}
	if len(errs) > 0 {
		return store.Refuse(store.ErrInvalid, "the journey names message templates it cannot send", errs...)
	}
	return nil
}

// checkSecretRefs refuses naming each field that references a secret the
// workspace does not have (or by a name no secret can have).
func (r *Router) checkSecretRefs(ctx context.Context, workspaceID string, d journey.Definition) error {
	refs := secretRefs(d)
	if len(refs) == 0 {
		return nil
	}
	var names []string
	for _, ref := range refs {
		names = append(names, ref.name)
	}
	missing, err := secrets.NewVault(r.Store, nil).Missing(ctx, workspaceID, names)
	if err != nil {
		return err
	}
	var errs []jsonfields.Error
	for _, ref := range refs {
		switch {
		case secrets.CheckName(ref.name) != "":
			errs = append(errs, jsonfields.Error{Field: ref.field, Message: "secrets." + ref.name + " is not a secret name: " + secrets.CheckName(ref.name)})
		case slices.Contains(missing, ref.name):
			errs = append(errs, jsonfields.Error{Field: ref.field, Message: "secrets." + ref.name + " is not a secret of this workspace: PUT /v1/secrets/" + ref.name + " first"})
		}
	}
	if len(errs) > 0 {
		return store.Refuse(store.ErrInvalid, errs[0].Field+": "+errs[0].Message, errs...)
	}
	return nil
}

// secretRef is one {{ secrets.NAME }} in a definition, with its field.
type secretRef struct{ field, name string }

// secretRefs lists the secrets a definition's webhook nodes reference.
func secretRefs(def journey.Definition) []secretRef {
	var refs []secretRef
	add := func(field, s string) {
		for _, name := range secrets.References(s) {
			refs = append(refs, secretRef{field, name})
		}
	}
	for i, n := range def.Nodes {
		if n.Kind != journey.KindWebhook {
			continue
		}
		path := fmt.Sprintf("definition.nodes[%d]", i)
		add(path+".url", n.URL)
		keys := make([]string, 0, len(n.Headers))
		for k := range n.Headers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(path+".headers."+k, n.Headers[k])
		}
		walkStrings(path+".body", n.Body, add)
	}
	return refs
}

// walkStrings calls f with every string of a JSON value and its path.
func walkStrings(path string, v any, f func(path, s string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case []any:
		for i, x := range v {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), x, f)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkStrings(path+"."+k, v[k], f)
		}
	}
}
