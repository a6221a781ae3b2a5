package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestMessageTemplates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v1 := json.RawMessage(`{"subject": "Hi {{ profile.traits.name }}", "html": "<p>Hi</p>"}`)
	v2 := json.RawMessage(`{"subject": "Hello", "html": "<p>Hello</p>"}`)

	t.Run("CreatesVersionOneThenAddsVersions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m, err := b.store.CreateMessageTemplate(ctx, wsA, "welcome", "email", "Welcome", v1)
		mustNot(t, err)
		if m.ID != "welcome" || m.Channel != "email" || m.Name != "Welcome" || m.LatestVersion != 1 || m.Version != 1 {
			t.Errorf("created = %+v", m)
		}
		jsonEqual(t, m.Content, v1)
		m, err = b.store.NewMessageTemplateVersion(ctx, wsA, "welcome", "", v2)
		mustNot(t, err)
		if m.LatestVersion != 2 || m.Version != 2 || m.Name != "Welcome" || m.Channel != "email" {
			t.Errorf("new version = %+v", m)
		}
		latest, err := b.store.GetMessageTemplate(ctx, wsA, "welcome", 0)
		mustNot(t, err)
		jsonEqual(t, latest.Content, v2)
		first, err := b.store.GetMessageTemplate(ctx, wsA, "welcome", 1)
		mustNot(t, err)
		if first.Version != 1 || first.LatestVersion != 2 {
			t.Errorf("version 1 = %+v", first)
		}
		jsonEqual(t, first.Content, v1)
		versions, err := b.store.MessageTemplateVersions(ctx, wsA, "welcome")
		mustNot(t, err)
		if len(versions) != 2 || versions[0].Version != 2 || versions[1].Version != 1 {
			t.Errorf("versions = %+v", versions)
		}
		if _, err := b.store.GetMessageTemplate(ctx, wsA, "welcome", 3); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("version 3 = %v, want ErrNotFound", err)
		}
	})

	t.Run("KeepsEachWorkspaceApart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateMessageTemplate(ctx, wsA, "b", "line", "B", v1)
		mustNot(t, err)
		_, err = b.store.CreateMessageTemplate(ctx, wsA, "a", "email", "A", v1)
		mustNot(t, err)
		_, err = b.store.CreateMessageTemplate(ctx, wsB, "a", "push", "Other A", v2)
		mustNot(t, err) // the same id in another workspace
		all, err := b.store.ListMessageTemplates(ctx, wsA, "")
		mustNot(t, err)
		if len(all) != 2 || all[0].ID != "a" || all[1].ID != "b" || all[0].Channel != "email" {
			t.Errorf("ListMessageTemplates = %+v", all)
		}
		line, err := b.store.ListMessageTemplates(ctx, wsA, "line")
		mustNot(t, err)
		if len(line) != 1 || line[0].ID != "b" {
			t.Errorf("line templates = %+v", line)
		}
		if _, err := b.store.GetMessageTemplate(ctx, wsB, "b", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other workspace get = %v, want ErrNotFound", err)
		}
		if _, err := b.store.NewMessageTemplateVersion(ctx, wsB, "b", "", v2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other workspace new version = %v, want ErrNotFound", err)
		}
		if _, err := b.store.MessageTemplateVersions(ctx, wsB, "b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other workspace versions = %v, want ErrNotFound", err)
		}
	})

	t.Run("RefusesADuplicateIdAndAnUnknownWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateMessageTemplate(ctx, wsA, "dup", "email", "Dup", v1)
		mustNot(t, err)
		if _, err := b.store.CreateMessageTemplate(ctx, wsA, "dup", "line", "Dup", v1); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate = %v, want ErrConflict", err)
		}
		if _, err := b.store.CreateMessageTemplate(ctx, "ws_nowhere", "x", "email", "X", v1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown workspace = %v, want ErrNotFound", err)
		}
	})
}
